package export_test

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"

	"github.com/shardnet/shardnet/internal/export"
	"github.com/shardnet/shardnet/internal/export/onnxpb"
	"github.com/shardnet/shardnet/netcore"
)

// testModel returns a network of the given shape with distinct random
// parameters, so that a transposition or an off-by-one shows.
func testModel(t testing.TB, s netcore.Shape, act netcore.Activation) export.Model {
	t.Helper()
	p, err := netcore.NewParams(s)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range p.Data {
		p.Data[i] = rng.NormFloat64()
	}
	return export.Model{Params: p, Activation: act, PixelScale: 1.0 / 255, Metadata: map[string]string{"dataset": "mnist", "config": "hidden: 3\n"}}
}

func marshalONNX(t *testing.T, m export.Model, g export.Graph) *onnxpb.ModelProto {
	t.Helper()
	var b bytes.Buffer
	if err := export.WriteONNX(&b, m, g); err != nil {
		t.Fatal(err)
	}
	var mp onnxpb.ModelProto
	if err := proto.Unmarshal(b.Bytes(), &mp); err != nil {
		t.Fatalf("the written model does not parse: %v", err)
	}
	return &mp
}

// dims returns a value's shape as strings: sizes and symbolic names.
func dims(v *onnxpb.ValueInfoProto) (elem int32, shape []string) {
	tt := v.GetType().GetTensorType()
	for _, d := range tt.GetShape().GetDim() {
		if p := d.GetDimParam(); p != "" {
			shape = append(shape, p)
		} else {
			shape = append(shape, strconv.FormatInt(d.GetDimValue(), 10))
		}
	}
	return tt.GetElemType(), shape
}

func TestONNXInterface(t *testing.T) {
	s := netcore.Shape{Inputs: 784, Hidden: 3, Outputs: 10}
	for _, g := range []export.Graph{export.Sequential, export.MatMul} {
		for _, act := range []netcore.Activation{netcore.Sigmoid, netcore.Tanh, netcore.ReLU} {
			t.Run(g.String()+"/"+act.String(), func(t *testing.T) {
				m := testModel(t, s, act)
				mp := marshalONNX(t, m, g)
				if mp.GetIrVersion() != export.IRVersion || export.IRVersion < 7 {
					t.Errorf("IR version %d, want %d (>= 7 for opset 13)", mp.GetIrVersion(), export.IRVersion)
				}
				if ops := mp.GetOpsetImport(); len(ops) != 1 || ops[0].GetDomain() != "" || ops[0].GetVersion() < 13 {
					t.Errorf("opset imports %v, want the default domain at 13 or later", ops)
				}
				graph := mp.GetGraph()
				if len(graph.GetInput()) != 1 || len(graph.GetOutput()) != 1 {
					t.Fatalf("%d inputs and %d outputs, want 1 and 1", len(graph.GetInput()), len(graph.GetOutput()))
				}
				in, out := graph.GetInput()[0], graph.GetOutput()[0]
				if elem, shape := dims(in); in.GetName() != "pixels" || elem != int32(onnxpb.TensorProto_FLOAT) || fmt.Sprint(shape) != "[batch 784]" {
					t.Errorf("input %q of type %d and shape %v, want pixels float32 [batch 784]", in.GetName(), elem, shape)
				}
				if elem, shape := dims(out); out.GetName() != "probabilities" || elem != int32(onnxpb.TensorProto_FLOAT) || fmt.Sprint(shape) != "[batch 10]" {
					t.Errorf("output %q of type %d and shape %v, want probabilities float32 [batch 10]", out.GetName(), elem, shape)
				}

				var ops []string
				for _, n := range graph.GetNode() {
					ops = append(ops, n.GetOpType())
				}
				want := map[netcore.Activation]string{netcore.Sigmoid: "Sigmoid", netcore.Tanh: "Tanh", netcore.ReLU: "Relu"}[act]
				if !slices.Contains(ops, want) {
					t.Errorf("nodes %v lack the activation %s", ops, want)
				}
				if ops[0] != "Mul" || ops[len(ops)-1] != "Softmax" {
					t.Errorf("nodes %v, want Mul (the pixel scale) first and Softmax last", ops)
				}
				last := graph.GetNode()[len(graph.GetNode())-1]
				if a := last.GetAttribute(); len(a) != 1 || a[0].GetName() != "axis" || a[0].GetI() != 1 {
					t.Errorf("Softmax attributes %v, want axis 1", a)
				}
				wantProduct := map[export.Graph]string{export.Sequential: "Scan", export.MatMul: "MatMul"}[g]
				if n := countOf(ops, wantProduct); n != 2 {
					t.Errorf("nodes %v have %d %s nodes, want 2", ops, n, wantProduct)
				}

				meta := map[string]string{}
				for _, p := range mp.GetMetadataProps() {
					if _, dup := meta[p.GetKey()]; dup {
						t.Errorf("metadata key %q twice", p.GetKey())
					}
					meta[p.GetKey()] = p.GetValue()
				}
				for k, v := range map[string]string{
					"dataset": "mnist", "config": "hidden: 3\n", "params_sha256": m.Params.Digest(), "activation": act.String(),
					"network": "784-3-10", "pixel_scale": "0.00392156862745098", "graph": g.String(),
				} {
					if meta[k] != v {
						t.Errorf("metadata %q = %q, want %q", k, meta[k], v)
					}
				}
			})
		}
	}
}

func countOf(s []string, v string) int {
	n := 0
	for _, x := range s {
		if x == v {
			n++
		}
	}
	return n
}

// TestONNXWeights checks the initializers against the parameters: float32,
// W1 and W2 transposed, and the pixel scale as a float32 scalar.
func TestONNXWeights(t *testing.T) {
	s := netcore.Shape{Inputs: 5, Hidden: 3, Outputs: 2}
	m := testModel(t, s, netcore.Tanh)
	p := m.Params
	init := map[string]*onnxpb.TensorProto{}
	for _, tp := range marshalONNX(t, m, export.Sequential).GetGraph().GetInitializer() {
		init[tp.GetName()] = tp
	}
	check := func(name string, dims []int64, at func(i int) float64) {
		t.Helper()
		tp := init[name]
		if tp == nil {
			t.Fatalf("no initializer %q", name)
		}
		if tp.GetDataType() != int32(onnxpb.TensorProto_FLOAT) || !slices.Equal(tp.GetDims(), dims) {
			t.Errorf("%s: type %d dims %v, want float32 %v", name, tp.GetDataType(), tp.GetDims(), dims)
		}
		for i, v := range tp.GetFloatData() {
			if want := float32(at(i)); v != want {
				t.Fatalf("%s[%d] = %v, want %v", name, i, v, want)
			}
		}
	}
	check("pixel_scale", []int64{}, func(int) float64 { return 1.0 / 255 })
	// W1T[i][h] = W1[h][i]
	check("W1T", []int64{5, 3}, func(k int) float64 { return p.W1[(k%3)*5+k/3] })
	check("b1", []int64{3}, func(k int) float64 { return p.B1[k] })
	check("W2T", []int64{3, 2}, func(k int) float64 { return p.W2[(k%2)*3+k/2] })
	check("b2", []int64{2}, func(k int) float64 { return p.B2[k] })
	if n := len(init["W1T"].GetFloatData()); n != 15 {
		t.Errorf("W1T holds %d values, want 15", n)
	}
}

// TestSequentialScans checks the Scans of the sequential graph: each scans
// its input's columns and its weights' rows, and its body adds one product.
func TestSequentialScans(t *testing.T) {
	m := testModel(t, netcore.Shape{Inputs: 6, Hidden: 4, Outputs: 3}, netcore.Sigmoid)
	var scans []*onnxpb.NodeProto
	for _, n := range marshalONNX(t, m, export.Sequential).GetGraph().GetNode() {
		if n.GetOpType() == "Scan" {
			scans = append(scans, n)
		}
	}
	for i, want := range [][]string{{"z1_start", "x", "W1T"}, {"z2_start", "hidden", "W2T"}} {
		n := scans[i]
		if !slices.Equal(n.GetInput(), want) {
			t.Errorf("Scan %d inputs %v, want %v", i, n.GetInput(), want)
		}
		attrs := map[string]*onnxpb.AttributeProto{}
		for _, a := range n.GetAttribute() {
			attrs[a.GetName()] = a
		}
		if attrs["num_scan_inputs"].GetI() != 2 || !slices.Equal(attrs["scan_input_axes"].GetInts(), []int64{1, 0}) {
			t.Errorf("Scan %d: num_scan_inputs %d and scan_input_axes %v, want 2 and [1 0]", i,
				attrs["num_scan_inputs"].GetI(), attrs["scan_input_axes"].GetInts())
		}
		var body []string
		for _, b := range attrs["body"].GetG().GetNode() {
			body = append(body, b.GetOpType())
		}
		if fmt.Sprint(body) != "[Unsqueeze Mul Add]" {
			t.Errorf("Scan %d body %v, want [Unsqueeze Mul Add]", i, body)
		}
	}
}

// npyArray is one parsed .npy file.
type npyArray struct {
	descr string
	shape []int
	data  []byte
}

var npyHeader = regexp.MustCompile(`^\{'descr': '([<|][a-zA-Z]\d+)', 'fortran_order': False, 'shape': \(((?:\d+, )*\d*,?)\), \} *\n$`)

// parseNPY parses a version 1.0 .npy file and checks NumPy's alignment of
// the data.
func parseNPY(t *testing.T, b []byte) npyArray {
	t.Helper()
	if len(b) < 10 || string(b[:8]) != "\x93NUMPY\x01\x00" {
		t.Fatalf("no .npy 1.0 magic: %q", b[:min(len(b), 8)])
	}
	n := int(binary.LittleEndian.Uint16(b[8:]))
	if (10+n)%64 != 0 {
		t.Errorf("data starts at byte %d, want a multiple of 64", 10+n)
	}
	header := string(b[10 : 10+n])
	m := npyHeader.FindStringSubmatch(header)
	if m == nil {
		t.Fatalf("header %q is not NumPy's", header)
	}
	var shape []int
	for f := range strings.SplitSeq(m[2], ",") {
		if f = strings.TrimSpace(f); f != "" {
			v, _ := strconv.Atoi(f)
			shape = append(shape, v)
		}
	}
	return npyArray{descr: m[1], shape: shape, data: b[10+n:]}
}

func (a npyArray) float64s(t *testing.T) []float64 {
	t.Helper()
	if a.descr != "<f8" {
		t.Fatalf("dtype %s, want <f8", a.descr)
	}
	n := 1
	for _, d := range a.shape {
		n *= d
	}
	if len(a.data) != 8*n {
		t.Fatalf("%d data bytes for shape %v, want %d", len(a.data), a.shape, 8*n)
	}
	v := make([]float64, n)
	for i := range v {
		v[i] = math.Float64frombits(binary.LittleEndian.Uint64(a.data[8*i:]))
	}
	return v
}

func readNPZ(t *testing.T, b []byte) map[string]npyArray {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("not a zip archive: %v", err)
	}
	out := map[string]npyArray{}
	for _, f := range z.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if _, err := buf.ReadFrom(rc); err != nil {
			t.Fatalf("%s: %v", f.Name, err)
		}
		rc.Close()
		name, ok := strings.CutSuffix(f.Name, ".npy")
		if !ok {
			t.Errorf("entry %q: want NAME.npy", f.Name)
		}
		out[name] = parseNPY(t, buf.Bytes())
	}
	return out
}

func TestNPZ(t *testing.T) {
	s := netcore.Shape{Inputs: 7, Hidden: 3, Outputs: 4}
	for _, act := range []netcore.Activation{netcore.Sigmoid, netcore.Tanh, netcore.ReLU} {
		m := testModel(t, s, act)
		m.PixelScale = 1
		var b bytes.Buffer
		if err := export.WriteNPZ(&b, m); err != nil {
			t.Fatal(err)
		}
		arrays := readNPZ(t, b.Bytes())
		if names := slices.Sorted(func(yield func(string) bool) {
			for k := range arrays {
				if !yield(k) {
					return
				}
			}
		}); fmt.Sprint(names) != "[W1 W2 activation b1 b2 pixel_scale]" {
			t.Fatalf("entries %v, want W1 W2 activation b1 b2 pixel_scale", names)
		}
		p := m.Params
		for name, want := range map[string]struct {
			shape []int
			data  []float64
		}{
			"W1": {[]int{3, 7}, p.W1}, "b1": {[]int{3, 1}, p.B1}, "W2": {[]int{4, 3}, p.W2}, "b2": {[]int{4, 1}, p.B2},
			"pixel_scale": {nil, []float64{1}},
		} {
			a := arrays[name]
			if !slices.Equal(a.shape, want.shape) {
				t.Errorf("%s: shape %v, want %v", name, a.shape, want.shape)
			}
			if got := a.float64s(t); !slices.Equal(got, want.data) {
				t.Errorf("%s: values %v, want %v", name, got, want.data)
			}
		}
		a := arrays["activation"]
		if len(a.shape) != 0 || a.descr != "<U"+strconv.Itoa(len(act.String())) {
			t.Errorf("activation: dtype %s shape %v, want <U%d and 0-d", a.descr, a.shape, len(act.String()))
		}
		var runes []rune
		for i := 0; i+4 <= len(a.data); i += 4 {
			runes = append(runes, rune(binary.LittleEndian.Uint32(a.data[i:])))
		}
		if string(runes) != act.String() {
			t.Errorf("activation %q, want %q", string(runes), act.String())
		}
	}
}

func TestWriteNPYShapes(t *testing.T) {
	for _, tc := range []struct {
		shape  []int
		header string
	}{
		{nil, "'shape': ()"},
		{[]int{3}, "'shape': (3,)"},
		{[]int{1, 3}, "'shape': (1, 3)"},
		{[]int{3, 1, 1}, "'shape': (3, 1, 1)"},
	} {
		n := 1
		for _, d := range tc.shape {
			n *= d
		}
		data := make([]float64, n)
		for i := range data {
			data[i] = float64(i) + 0.5
		}
		var b bytes.Buffer
		if err := export.WriteNPY(&b, data, tc.shape...); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(b.String(), tc.header) {
			t.Errorf("shape %v: header %q lacks %q", tc.shape, b.String()[:64], tc.header)
		}
		a := parseNPY(t, b.Bytes())
		if got := a.float64s(t); !slices.Equal(got, data) || len(a.shape) != len(tc.shape) {
			t.Errorf("shape %v: read back %v of shape %v", tc.shape, got, a.shape)
		}
	}
	err := export.WriteNPY(&bytes.Buffer{}, make([]float64, 5), 2, 3)
	if err == nil || !strings.HasPrefix(err.Error(), "export: npy: ") {
		t.Errorf("5 values as 2x3: error %v, want one beginning \"export: npy: \"", err)
	}
}

// TestDeterministic: the same network gives the same bytes, each format.
func TestDeterministic(t *testing.T) {
	m := testModel(t, netcore.Shape{Inputs: 9, Hidden: 4, Outputs: 3}, netcore.ReLU)
	m.Metadata = map[string]string{"a": "1", "b": "2", "c": "3", "d": "4"}
	for name, write := range map[string]func(*bytes.Buffer) error{
		"onnx": func(b *bytes.Buffer) error { return export.WriteONNX(b, m, export.Sequential) },
		"npz":  func(b *bytes.Buffer) error { return export.WriteNPZ(b, m) },
	} {
		var first, again bytes.Buffer
		if err := write(&first); err != nil {
			t.Fatal(err)
		}
		for range 5 {
			again.Reset()
			if err := write(&again); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(first.Bytes(), again.Bytes()) {
				t.Fatalf("%s: two exports of one network differ", name)
			}
		}
	}
}

// failWriter fails every write.
type failWriter struct{}

var errDiskFull = errors.New("disk full")

func (failWriter) Write([]byte) (int, error) { return 0, errDiskFull }

func TestBadModels(t *testing.T) {
	s := netcore.Shape{Inputs: 4, Hidden: 2, Outputs: 3}
	for _, tc := range []struct {
		name   string
		change func(*export.Model)
		want   string
	}{
		{"no parameters", func(m *export.Model) { m.Params = nil }, "no parameters"},
		{"short data", func(m *export.Model) { m.Params.Data = m.Params.Data[:3] }, "want 19 values"},
		{"NaN", func(m *export.Model) { m.Params.W2[1] = math.NaN() }, "parameter 11 of 19 is NaN"},
		{"infinity", func(m *export.Model) { m.Params.B1[0] = math.Inf(-1) }, "parameter 8 of 19 is -Inf"},
		{"unknown activation", func(m *export.Model) { m.Activation = 7 }, "unknown activation"},
		{"zero pixel scale", func(m *export.Model) { m.PixelScale = 0 }, "pixel scale 0"},
		{"NaN pixel scale", func(m *export.Model) { m.PixelScale = math.NaN() }, "pixel scale NaN"},
		{"reserved metadata key", func(m *export.Model) { m.Metadata["params_sha256"] = "x" }, `"params_sha256"`},
		{"graph metadata key", func(m *export.Model) { m.Metadata["graph"] = "x" }, `"graph"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for format, write := range map[string]func(export.Model) error{
				"onnx": func(m export.Model) error { return export.WriteONNX(&bytes.Buffer{}, m, export.Sequential) },
				"npz":  func(m export.Model) error { return export.WriteNPZ(&bytes.Buffer{}, m) },
			} {
				m := testModel(t, s, netcore.Sigmoid)
				tc.change(&m)
				err := write(m)
				if err == nil || !strings.HasPrefix(err.Error(), "export: "+format+": ") || !strings.Contains(err.Error(), tc.want) {
					t.Errorf("%s: error %v, want one beginning \"export: %s: \" that says %q", format, err, format, tc.want)
				}
			}
		})
	}
	t.Run("beyond float32", func(t *testing.T) {
		m := testModel(t, s, netcore.Sigmoid)
		m.Params.W1[5] = 1e300
		err := export.WriteONNX(&bytes.Buffer{}, m, export.MatMul)
		if err == nil || !strings.Contains(err.Error(), "W1[") || !strings.Contains(err.Error(), "float32") {
			t.Errorf("error %v, want one naming W1 and float32", err)
		}
		// float64 holds it: the .npz takes it.
		if err := export.WriteNPZ(&bytes.Buffer{}, m); err != nil {
			t.Errorf("npz: %v", err)
		}
	})
	t.Run("unknown graph", func(t *testing.T) {
		m := testModel(t, s, netcore.Sigmoid)
		if err := export.WriteONNX(&bytes.Buffer{}, m, export.Graph(9)); err == nil || !strings.Contains(err.Error(), "graph") {
			t.Errorf("error %v, want one about the graph", err)
		}
		if _, err := export.ParseGraph("conv"); err == nil || !strings.Contains(err.Error(), `"conv"`) {
			t.Errorf("ParseGraph(\"conv\"): error %v", err)
		}
	})
	t.Run("write fails", func(t *testing.T) {
		m := testModel(t, s, netcore.Sigmoid)
		for name, err := range map[string]error{
			"onnx": export.WriteONNX(failWriter{}, m, export.Sequential),
			"npz":  export.WriteNPZ(failWriter{}, m),
			"npy":  export.WriteNPY(failWriter{}, []float64{1}),
		} {
			if !errors.Is(err, errDiskFull) || !strings.HasPrefix(err.Error(), "export: "+name+": ") {
				t.Errorf("%s: error %v, want one beginning \"export: %s: \" wrapping %v", name, err, name, errDiskFull)
			}
		}
	})
}

func TestParseGraph(t *testing.T) {
	for _, g := range []export.Graph{export.Sequential, export.MatMul} {
		if got, err := export.ParseGraph(g.String()); err != nil || got != g {
			t.Errorf("ParseGraph(%q) = %v, %v", g.String(), got, err)
		}
	}
}
