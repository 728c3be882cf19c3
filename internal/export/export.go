// Package export writes a trained network in formats that other programs
// load: an ONNX model (WriteONNX) for ONNX Runtime and the other ONNX
// runtimes, and a NumPy .npz archive (WriteNPZ) of the blog post's own
// arrays, W1, b1, W2 and b2, for the post's NumPy code.
//
// It takes plain values, a Model, and knows nothing of how the network was
// trained or where it was read from. Its errors begin "export: ".
package export

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/shardnet/shardnet/netcore"
)

// Model is a trained network and what a program needs to apply it.
type Model struct {
	// Params holds the weights and biases in the post's row-major layout
	// (W1 Hidden×Inputs, b1, W2 Outputs×Hidden, b2).
	Params *netcore.Params
	// Activation is the hidden layer's non-linearity.
	Activation netcore.Activation
	// PixelScale is the factor training applied to the raw 0..255 pixel
	// values: 1 for the post's raw pixels, 1/255 to normalise.
	PixelScale float64
	// Metadata is recorded in the ONNX model's metadata_props, in key
	// order with the keys the exporter sets itself, which it may not
	// repeat: those of DerivedMetadata and "graph". The .npz leaves it
	// out.
	Metadata map[string]string
}

// DerivedMetadata returns the metadata the exporter records for m on its
// own: "network" (such as "784-10-10"), "activation", "pixel_scale" (the
// shortest decimal that reads back as the same float64) and
// "params_sha256", the digest `shardnet inspect` prints, of the float64
// parameters the export was made from.
func DerivedMetadata(m Model) map[string]string {
	return map[string]string{
		"network":       m.Params.Shape.String(),
		"activation":    m.Activation.String(),
		"pixel_scale":   strconv.FormatFloat(m.PixelScale, 'g', -1, 64),
		"params_sha256": m.Params.Digest(),
	}
}

// validate reports why m cannot be exported.
func (m Model) validate() error {
	p := m.Params
	switch {
	case p == nil:
		return errors.New("no parameters")
	case p.Shape.Validate() != nil:
		return p.Shape.Validate()
	case len(p.Data) != p.Shape.Len() || len(p.W1) != p.Shape.Hidden*p.Shape.Inputs || len(p.B1) != p.Shape.Hidden ||
		len(p.W2) != p.Shape.Outputs*p.Shape.Hidden || len(p.B2) != p.Shape.Outputs:
		return fmt.Errorf("parameters of shape %v: want %d values laid out as W1, b1, W2, b2", p.Shape, p.Shape.Len())
	case !m.Activation.Valid():
		return fmt.Errorf("unknown activation %v", m.Activation)
	case !(m.PixelScale > 0) || math.IsInf(m.PixelScale, 1):
		return fmt.Errorf("pixel scale %g: want a positive finite number", m.PixelScale)
	}
	for i, v := range p.Data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("parameter %d of %d is %g: want finite values", i, len(p.Data), v)
		}
	}
	derived := DerivedMetadata(m)
	for k := range m.Metadata {
		if _, ok := derived[k]; ok || k == "graph" {
			return fmt.Errorf("metadata key %q: the exporter sets it itself", k)
		}
	}
	return nil
}
