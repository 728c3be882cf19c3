package cli

import (
	"cmp"
	"fmt"
	"image"
	"slices"

	"github.com/shardnet/shardnet/internal/output"
	"github.com/shardnet/shardnet/netcore/kernel"
	"github.com/shardnet/shardnet/shard"
)

// mistakes returns the images of set that the model m misclassifies, the
// most confident mistakes first (ties by index), at most n of them.
// pixelScale is the factor the model's training applied to the raw pixels.
//
// predicted, if not nil, holds the class already predicted for each image
// (trainer.Evaluation.Predictions), so that the report agrees with the
// confusion matrix and only the mistakes need their probabilities computed;
// if nil, every image is classified here by its highest probability.
func mistakes(m *kernel.Model, pixelScale float32, set *shard.Set, predicted []uint8, n int) ([]output.Mistake, error) {
	im := set.Images
	if im.Dim() != m.Inputs() {
		return nil, fmt.Errorf("eval: model takes %d inputs, images have %d pixels", m.Inputs(), im.Dim())
	}
	if predicted != nil && len(predicted) != set.Len() {
		return nil, fmt.Errorf("eval: %d predictions for %d images", len(predicted), set.Len())
	}
	if n < 0 {
		return nil, fmt.Errorf("eval: want a number of mistakes >= 0, found %d", n)
	}
	ws := kernel.NewScratch(m)
	probs := make([]float64, m.Outputs())
	pixels := make([]float32, m.Inputs())
	var out []output.Mistake
	for i := range set.Len() {
		label := int(set.Labels[i])
		if label >= m.Outputs() {
			return nil, fmt.Errorf("eval: image %d has label %d, model has %d classes", i, label, m.Outputs())
		}
		if predicted != nil && int(predicted[i]) == label {
			continue
		}
		raw := im.Image(i)
		probabilities(m, probs, raw, pixelScale, pixels, ws)
		pred := argmax(probs)
		if predicted != nil {
			pred = int(predicted[i])
			if pred >= len(probs) {
				return nil, fmt.Errorf("eval: image %d predicted as class %d, model has %d classes", i, pred, len(probs))
			}
		}
		if pred == label {
			continue
		}
		out = append(out, output.Mistake{Index: i, Image: &image.Gray{Pix: raw, Stride: im.Cols, Rect: image.Rect(0, 0, im.Cols, im.Rows)}, Label: label, Predicted: pred, Confidence: probs[pred]})
	}
	slices.SortStableFunc(out, func(a, b output.Mistake) int { return cmp.Compare(b.Confidence, a.Confidence) })
	return out[:min(n, len(out))], nil
}

// probabilities writes to dst the softmax output of m for the image raw,
// its pixels scaled to float32 in the buffer pixels, as training saw them.
func probabilities(m *kernel.Model, dst []float64, raw []uint8, pixelScale float32, pixels []float32, ws *kernel.Scratch) {
	for j, v := range raw {
		pixels[j] = float32(v) * pixelScale
	}
	m.Probabilities(dst, pixels, ws)
}

// argmax returns the index of the largest value, the first of equal ones.
func argmax(v []float64) int {
	best := 0
	for i, x := range v {
		if x > v[best] {
			best = i
		}
	}
	return best
}
