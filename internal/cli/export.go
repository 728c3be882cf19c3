package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/shardnet/shardnet/internal/export"
	"github.com/shardnet/shardnet/internal/output"
)

// runExport implements 'shardnet export'.
func runExport(args []string, env Env) error {
	fs := newFlagSet("export", "--model FILE --out FILE.onnx|FILE.npz [--format onnx|npz] [--graph sequential|matmul]", env)
	modelPath := fs.String("model", "", "checkpoint `file` to export (required)")
	format := fs.String("format", "", "output format, the `name` onnx (ONNX, for ONNX Runtime) or npz (NumPy arrays of the post) (default: from the --out file's extension)")
	outPath := fs.String("out", "", "`file` to write; its directory must exist (required)")
	graphName := fs.String("graph", export.Sequential.String(), "the ONNX graph, by `name`: sequential sums as shardnet's kernels do, so that\n"+
		"ONNX Runtime's probabilities match shardnet's to about 1e-6; matmul is the conventional\n"+
		"graph of two MatMul nodes, fastest for large batches but up to about 1e-4 away with raw pixels")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := noArguments(fs); err != nil {
		return err
	}
	switch {
	case *modelPath == "":
		return usagef("export: --model FILE is required")
	case *outPath == "":
		return usagef("export: --out FILE is required")
	}
	// The format follows the file's extension unless --format names it;
	// the two must not disagree, or a model.onnx would hold NumPy arrays.
	byExtension := strings.TrimPrefix(strings.ToLower(filepath.Ext(*outPath)), ".")
	if byExtension != "onnx" && byExtension != "npz" {
		byExtension = ""
	}
	switch {
	case *format == "" && byExtension == "":
		return usagef("export: --out %s: cannot tell the format from the extension; name the file .onnx or .npz, or give --format onnx|npz", *outPath)
	case *format == "":
		*format = byExtension
	case byExtension != "" && *format != byExtension:
		return usagef("export: --format %s contradicts --out %s; give the file the extension .%s or drop --format", *format, *outPath, *format)
	}
	graph, err := export.ParseGraph(*graphName)
	if err != nil {
		return usagef("export: --graph: want sequential or matmul, found %q", *graphName)
	}
	var encode func(io.Writer, export.Model) error
	switch *format {
	case "onnx":
		encode = func(w io.Writer, m export.Model) error { return export.WriteONNX(w, m, graph) }
	case "npz":
		if graph != export.Sequential {
			return usagef("export: --graph applies to --format onnx only")
		}
		encode = export.WriteNPZ
	default:
		return usagef("export: --format: want onnx or npz, found %q", *format)
	}
	if err := probeOutputFile("export: --out", *outPath); err != nil {
		return err
	}
	_, statErr := os.Stat(*outPath)
	replacing := statErr == nil
	ck, cfg, err := loadModel(*modelPath)
	if err != nil {
		return err
	}
	m := export.Model{
		Params:     ck.Params,
		Activation: ck.Activation,
		PixelScale: float64(cfg.PixelScale),
		Metadata: map[string]string{
			"dataset":   cfg.Dataset,
			"config":    string(ck.Config),
			"iteration": strconv.FormatInt(ck.Iteration, 10),
		},
	}
	// Encode first, so that a network that cannot be exported (a non-finite
	// parameter, say) is a usage error and only a failing write is not.
	var b bytes.Buffer
	if err := encode(&b, m); err != nil {
		return usagef("export: %s: %w", *modelPath, err)
	}
	if err := output.WriteFile(*outPath, func(w io.Writer) error {
		_, err := w.Write(b.Bytes())
		return err
	}); err != nil {
		return fmt.Errorf("export: %w", err)
	}
	kind := *format
	if kind == "onnx" {
		kind += ", " + graph.String() + " graph"
	}
	verb := "wrote"
	if replacing {
		verb = "replaced"
	}
	fmt.Fprintf(env.Stderr, "%s %s (%s, network %v %v, pixel scale %g)\n", verb, *outPath, kind, ck.Params.Shape, ck.Activation, float64(cfg.PixelScale))
	return nil
}

// checkOutputFile fails with a usage error, its message beginning with
// what, unless path can name a file to be written: it is not a directory,
// and its directory exists. A file there already is replaced.
func checkOutputFile(what, path string) error {
	if strings.HasSuffix(path, string(filepath.Separator)) {
		return usagef("%s %s: want a file name, not a directory", what, path)
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return usagef("%s %s: is a directory, want a file", what, path)
	}
	dir := filepath.Dir(path)
	fi, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return usagef("%s %s: directory %s does not exist", what, path, dir)
	case err != nil:
		return usagef("%s %s: %w", what, path, err)
	case !fi.IsDir():
		return usagef("%s %s: %s is not a directory", what, path, dir)
	}
	return nil
}
