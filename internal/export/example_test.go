package export_test

import (
	"archive/zip"
	"bytes"
	"fmt"

	"github.com/shardnet/shardnet/internal/export"
	"github.com/shardnet/shardnet/netcore"
)

// ExampleWriteNPZ writes a network as the arrays of the post; Python loads
// them with numpy.load and applies them as the post does.
func ExampleWriteNPZ() {
	p, _ := netcore.NewParams(netcore.Shape{Inputs: 784, Hidden: 10, Outputs: 10})
	m := export.Model{Params: p, Activation: netcore.Sigmoid, PixelScale: 1}
	var npz bytes.Buffer
	if err := export.WriteNPZ(&npz, m); err != nil {
		fmt.Println(err)
		return
	}
	z, _ := zip.NewReader(bytes.NewReader(npz.Bytes()), int64(npz.Len()))
	for _, f := range z.File {
		fmt.Println(f.Name)
	}
	// Output:
	// W1.npy
	// b1.npy
	// W2.npy
	// b2.npy
	// pixel_scale.npy
	// activation.npy
}

// ExampleONNX builds a network's ONNX model (WriteONNX writes it as a file)
// and prints its interface and metadata.
func ExampleONNX() {
	p, _ := netcore.NewParams(netcore.Shape{Inputs: 784, Hidden: 10, Outputs: 10})
	m := export.Model{Params: p, Activation: netcore.Tanh, PixelScale: 1.0 / 255,
		Metadata: map[string]string{"dataset": "mnist"}}
	mp, err := export.ONNX(m, export.Sequential)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(mp.GetGraph().GetInput()[0].GetName(), "->", mp.GetGraph().GetOutput()[0].GetName())
	for _, kv := range mp.GetMetadataProps() {
		if kv.GetKey() != "params_sha256" {
			fmt.Printf("%s: %s\n", kv.GetKey(), kv.GetValue())
		}
	}
	// Output:
	// pixels -> probabilities
	// activation: tanh
	// dataset: mnist
	// graph: sequential
	// network: 784-10-10
	// pixel_scale: 0.00392156862745098
}
