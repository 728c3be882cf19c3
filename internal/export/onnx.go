package export

import (
	"fmt"
	"io"
	"maps"
	"math"
	"slices"

	"google.golang.org/protobuf/proto"

	"github.com/shardnet/shardnet/internal/export/onnxpb"
)

// The ONNX model's interface and versions.
const (
	// InputName is the model's input: float32 [batch, Inputs], the raw
	// 0..255 pixel values of the IDX files, row by row.
	InputName = "pixels"
	// OutputName is the model's output: float32 [batch, Outputs], the
	// softmax probabilities of the classes.
	OutputName = "probabilities"
	// BatchDim is the symbolic name of the batch dimension.
	BatchDim = "batch"
	// Opset is the version of the default ONNX operator set the graph
	// uses. 13 is the first whose Softmax normalises over one axis alone
	// and is read by every ONNX Runtime of the last years.
	Opset = 13
	// IRVersion is the ONNX IR version of the file: 7 is the version that
	// introduced opset 13.
	IRVersion = 7
)

// onnxActivation is the ONNX operator of each hidden-layer activation.
var onnxActivation = map[string]string{"sigmoid": "Sigmoid", "tanh": "Tanh", "relu": "Relu"}

// Graph selects how the ONNX model computes its two weighted sums.
type Graph int

const (
	// Sequential adds each layer's products one input at a time, in the
	// order of shardnet's own kernels (an ONNX Scan over the inputs of
	// the layer: acc += x[:, k] ⊗ Wᵀ[k, :]), so that ONNX Runtime rounds
	// every sum exactly as shardnet does and its probabilities match
	// shardnet's to about 1e-6 whatever the pixel scale. The zero value
	// and the default.
	Sequential Graph = iota
	// MatMul is the conventional graph of two MatMul nodes: what every
	// ONNX tool recognises, and the fastest for large batches, but the
	// runtime sums in its own order. With raw 0..255 pixels (pixel scale
	// 1), where a hidden unit's input can be a small difference of
	// products in the hundreds, float32 rounding in a different order
	// moves the probabilities by up to about 1e-4 from shardnet's.
	MatMul
)

// graphNames are the names of the graphs, as ParseGraph reads them.
var graphNames = [...]string{Sequential: "sequential", MatMul: "matmul"}

// String returns the graph's name: "sequential" or "matmul".
func (g Graph) String() string {
	if g >= 0 && int(g) < len(graphNames) {
		return graphNames[g]
	}
	return fmt.Sprintf("Graph(%d)", int(g))
}

// ParseGraph returns the graph of the given name, "sequential" or "matmul".
func ParseGraph(name string) (Graph, error) {
	for g, n := range graphNames {
		if n == name {
			return Graph(g), nil
		}
	}
	return 0, fmt.Errorf("export: unknown ONNX graph %q (want sequential or matmul)", name)
}

// ONNX returns m as an ONNX model whose graph g computes, for a batch of
// raw images X (batch×Inputs, float32):
//
//	x      = Mul(X, pixel_scale)
//	hidden = act(x·W1ᵀ + b1)
//	logits = hidden·W2ᵀ + b2
//	probabilities = Softmax(logits, axis=1)
//
// with the weights as float32 initializers (W1ᵀ and W2ᵀ transposed, so
// that a batch is a row-major product), in float32 as shardnet's kernels
// compute. Like the kernels, the graph first scales each pixel by the
// float32 pixel scale: Mul rounds exactly as they do, where folding the
// scale into W1 would round W1·s once more and move the probabilities
// away from shardnet's. The two products are MatMul nodes, or, with
// Sequential, Scans that sum in the kernels' order (see Graph); the
// metadata records the graph as "graph".
func ONNX(m Model, g Graph) (*onnxpb.ModelProto, error) {
	if err := m.validate(); err != nil {
		return nil, fmt.Errorf("export: onnx: %w", err)
	}
	if g != Sequential && g != MatMul {
		return nil, fmt.Errorf("export: onnx: unknown graph %v", g)
	}
	p := m.Params
	in, h, out := p.Shape.Inputs, p.Shape.Hidden, p.Shape.Outputs
	scale := float32(m.PixelScale)
	if scale == 0 || math.IsInf(float64(scale), 0) {
		return nil, fmt.Errorf("export: onnx: pixel scale %g is out of float32's range", m.PixelScale)
	}
	w1t, err := float32s(transpose(p.W1, h, in), "W1")
	if err != nil {
		return nil, err
	}
	b1, err := float32s(p.B1, "b1")
	if err != nil {
		return nil, err
	}
	w2t, err := float32s(transpose(p.W2, out, h), "W2")
	if err != nil {
		return nil, err
	}
	b2, err := float32s(p.B2, "b2")
	if err != nil {
		return nil, err
	}

	graph := &onnxpb.GraphProto{
		Name: "shardnet_mlp",
		DocString: fmt.Sprintf("%v network, %s hidden layer: probabilities = softmax(%s(pixels·pixel_scale·W1ᵀ + b1)·W2ᵀ + b2)",
			p.Shape, m.Activation, m.Activation),
		Initializer: []*onnxpb.TensorProto{
			floatTensor("pixel_scale", []float32{scale}),
			floatTensor("W1T", w1t, in, h),
			floatTensor("b1", b1, h),
			floatTensor("W2T", w2t, h, out),
			floatTensor("b2", b2, out),
		},
		Input:  []*onnxpb.ValueInfoProto{floatInfo(InputName, BatchDim, in)},
		Output: []*onnxpb.ValueInfoProto{floatInfo(OutputName, BatchDim, out)},
	}
	act := onnxActivation[m.Activation.String()]
	nodes := []*onnxpb.NodeProto{node("Mul", "scale", []string{InputName, "pixel_scale"}, "x")}
	switch g {
	case MatMul:
		nodes = append(nodes,
			node("MatMul", "layer1_matmul", []string{"x", "W1T"}, "z1_mm"),
			node("Add", "layer1_bias", []string{"z1_mm", "b1"}, "z1"),
			node(act, "layer1_"+m.Activation.String(), []string{"z1"}, "hidden"),
			node("MatMul", "layer2_matmul", []string{"hidden", "W2T"}, "z2_mm"),
			node("Add", "layer2_bias", []string{"z2_mm", "b2"}, "logits"),
		)
	case Sequential:
		// The kernels start the first layer's sums at b1 and add the
		// pixels' products in pixel order; they sum the second layer's
		// products from zero in hidden-unit order and add b2 last.
		graph.Initializer = append(graph.Initializer,
			int64Tensor("axis_1", []int64{1}, 1),
			int64Tensor("first", []int64{1}, 0),
			int64Tensor("hidden_units", []int64{1}, int64(h)),
			int64Tensor("classes", []int64{1}, int64(out)),
			floatTensor("zero", []float32{0}),
		)
		nodes = append(nodes,
			node("Shape", "batch_shape", []string{InputName}, "pixels_shape"),
			node("Slice", "batch_size", []string{"pixels_shape", "first", "axis_1"}, "batch_size"),
			node("Concat", "layer1_shape", []string{"batch_size", "hidden_units"}, "z1_shape", intAttr("axis", 0)),
			node("Concat", "layer2_shape", []string{"batch_size", "classes"}, "z2_shape", intAttr("axis", 0)),
			node("Expand", "layer1_start", []string{"b1", "z1_shape"}, "z1_start"),
			node("Expand", "layer2_start", []string{"zero", "z2_shape"}, "z2_start"),
			sequentialProduct("layer1", "z1_start", "x", "W1T", "z1"),
			node(act, "layer1_"+m.Activation.String(), []string{"z1"}, "hidden"),
			sequentialProduct("layer2", "z2_start", "hidden", "W2T", "z2_mm"),
			node("Add", "layer2_bias", []string{"b2", "z2_mm"}, "logits"),
		)
	}
	graph.Node = append(nodes, node("Softmax", "softmax", []string{"logits"}, OutputName, intAttr("axis", 1)))

	meta := DerivedMetadata(m)
	maps.Copy(meta, m.Metadata)
	meta["graph"] = g.String()
	props := make([]*onnxpb.StringStringEntryProto, 0, len(meta))
	for _, k := range slices.Sorted(maps.Keys(meta)) {
		props = append(props, &onnxpb.StringStringEntryProto{Key: k, Value: meta[k]})
	}
	return &onnxpb.ModelProto{
		IrVersion:     IRVersion,
		OpsetImport:   []*onnxpb.OperatorSetIdProto{{Domain: "", Version: Opset}},
		ProducerName:  "shardnet",
		DocString:     "The MNIST network of the NumPy blog post, trained by shardnet. Input: raw 0-255 pixels; output: class probabilities.",
		Graph:         graph,
		MetadataProps: props,
	}, nil
}

// sequentialProduct returns a Scan node that computes out = start + x·w
// for x (batch×K) and w (K×N) by adding the products of one k at a time,
// in increasing k: acc = acc + x[:, k] ⊗ w[k, :], each product and each
// sum rounded to float32, as shardnet's kernels (axpy, gemv) do.
func sequentialProduct(name, start, x, w, out string) *onnxpb.NodeProto {
	acc, xk, wk := name+"_acc", name+"_x_k", name+"_w_k"
	body := &onnxpb.GraphProto{
		Name: name + "_step",
		Node: []*onnxpb.NodeProto{
			node("Unsqueeze", name+"_column", []string{xk, "axis_1"}, xk+"_column"),
			node("Mul", name+"_product", []string{xk + "_column", wk}, name+"_product"),
			node("Add", name+"_sum", []string{acc, name + "_product"}, acc+"_next"),
		},
		Input:  []*onnxpb.ValueInfoProto{floatInfo(acc), floatInfo(xk), floatInfo(wk)},
		Output: []*onnxpb.ValueInfoProto{floatInfo(acc + "_next")},
	}
	return &onnxpb.NodeProto{
		OpType: "Scan", Name: name + "_scan", Input: []string{start, x, w}, Output: []string{out},
		Attribute: []*onnxpb.AttributeProto{
			{Name: "body", Type: onnxpb.AttributeProto_GRAPH, G: body},
			intAttr("num_scan_inputs", 2),
			// x is scanned over its columns, w over its rows.
			{Name: "scan_input_axes", Type: onnxpb.AttributeProto_INTS, Ints: []int64{1, 0}},
		},
	}
}

// WriteONNX writes m to w as a serialised ONNX model with graph g (see
// ONNX).
func WriteONNX(w io.Writer, m Model, g Graph) error {
	mp, err := ONNX(m, g)
	if err != nil {
		return err
	}
	// Deterministic, so that the same network always gives the same file.
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(mp)
	if err != nil {
		return fmt.Errorf("export: onnx: %w", err)
	}
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("export: onnx: %w", err)
	}
	return nil
}

// transpose returns the cols×rows transpose of the row-major rows×cols a.
func transpose(a []float64, rows, cols int) []float64 {
	t := make([]float64, len(a))
	for r := range rows {
		for c := range cols {
			t[c*rows+r] = a[r*cols+c]
		}
	}
	return t
}

// float32s converts v to float32, refusing values beyond float32's range.
func float32s(v []float64, name string) ([]float32, error) {
	f := make([]float32, len(v))
	for i, x := range v {
		f[i] = float32(x)
		if math.IsInf(float64(f[i]), 0) {
			return nil, fmt.Errorf("export: onnx: %s[%d] = %g does not fit in float32", name, i, x)
		}
	}
	return f, nil
}

// floatTensor returns a float32 initializer; no dims make a scalar.
func floatTensor(name string, v []float32, dims ...int) *onnxpb.TensorProto {
	d := make([]int64, len(dims))
	for i, n := range dims {
		d[i] = int64(n)
	}
	return &onnxpb.TensorProto{Name: name, DataType: int32(onnxpb.TensorProto_FLOAT), Dims: d, FloatData: v}
}

// int64Tensor returns an int64 initializer of the given dims.
func int64Tensor(name string, dims []int64, v ...int64) *onnxpb.TensorProto {
	return &onnxpb.TensorProto{Name: name, DataType: int32(onnxpb.TensorProto_INT64), Dims: dims, Int64Data: v}
}

// intAttr returns an integer attribute.
func intAttr(name string, v int64) *onnxpb.AttributeProto {
	return &onnxpb.AttributeProto{Name: name, Type: onnxpb.AttributeProto_INT, I: v}
}

// node returns a node of the default domain.
func node(op, name string, inputs []string, output string, attrs ...*onnxpb.AttributeProto) *onnxpb.NodeProto {
	return &onnxpb.NodeProto{OpType: op, Name: name, Input: inputs, Output: []string{output}, Attribute: attrs}
}

// floatInfo describes a float32 tensor; each dim is a size (int) or a
// symbolic name (string). Without dims the shape is left unknown.
func floatInfo(name string, dims ...any) *onnxpb.ValueInfoProto {
	t := &onnxpb.TypeProto_Tensor{ElemType: int32(onnxpb.TensorProto_FLOAT)}
	if len(dims) > 0 {
		t.Shape = &onnxpb.TensorShapeProto{}
		for _, d := range dims {
			dim := &onnxpb.TensorShapeProto_Dimension{}
			switch d := d.(type) {
			case int:
				dim.Value = &onnxpb.TensorShapeProto_Dimension_DimValue{DimValue: int64(d)}
			case string:
				dim.Value = &onnxpb.TensorShapeProto_Dimension_DimParam{DimParam: d}
			default:
				panic(fmt.Sprintf("export: floatInfo: dimension %v of type %T", d, d))
			}
			t.Shape.Dim = append(t.Shape.Dim, dim)
		}
	}
	return &onnxpb.ValueInfoProto{Name: name, Type: &onnxpb.TypeProto{Value: &onnxpb.TypeProto_TensorType{TensorType: t}}}
}
