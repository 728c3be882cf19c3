package trainer

import (
	"fmt"

	"github.com/shardnet/shardnet/netcore"
	"github.com/shardnet/shardnet/netcore/kernel"
)

// evaluator predicts every sample of a set with preallocated buffers.
type evaluator struct {
	model   *kernel.Model
	samples *kernel.Samples
	order   []int32
	pred    []uint8
	scratch *kernel.Scratch
}

func newEvaluator(m *kernel.Model, s *kernel.Samples) *evaluator {
	return &evaluator{model: m, samples: s, order: identity(s.Len()), pred: make([]uint8, s.Len()), scratch: kernel.NewScratch(m)}
}

// accuracy predicts every sample with the model's current parameters.
func (e *evaluator) accuracy() float64 {
	e.model.Predict(e.pred, e.samples, e.order, e.scratch)
	correct := 0
	for i, p := range e.pred {
		if p == e.samples.Label(i) {
			correct++
		}
	}
	return float64(correct) / float64(len(e.pred))
}

// Evaluation is a model's performance on a labelled set.
type Evaluation struct {
	Accuracy float64
	// Confusion counts the images of each true label (row) by predicted
	// label (column); it has one row and column per class.
	Confusion   [][]int
	Predictions []uint8
}

// NewModel builds the kernels' float32 model of the parameters p, for
// evaluating or applying a trained network. It lives here rather than in
// package kernel, which knows nothing of netcore's types (deps_test.go).
func NewModel(p *netcore.Params, act netcore.Activation, pixelScale float32) (*kernel.Model, error) {
	m, err := kernel.NewModel(p.Shape.Inputs, p.Shape.Hidden, p.Shape.Outputs, kernel.Activation(act), pixelScale)
	if err != nil {
		return nil, err // kernel's error names the shape
	}
	m.LoadRowMajor(p.Data)
	return m, nil
}

// Evaluate predicts every sample of s with parameters p.
func Evaluate(p *netcore.Params, act netcore.Activation, pixelScale float64, s *kernel.Samples) (*Evaluation, error) {
	if s.Dim() != p.Shape.Inputs {
		return nil, fmt.Errorf("trainer: the model takes %d inputs, the images have %d pixels", p.Shape.Inputs, s.Dim())
	}
	m, err := NewModel(p, act, float32(pixelScale))
	if err != nil {
		return nil, err
	}
	e := newEvaluator(m, s)
	classes := p.Shape.Outputs
	ev := &Evaluation{Accuracy: e.accuracy(), Predictions: e.pred, Confusion: make([][]int, classes)}
	for c := range ev.Confusion {
		ev.Confusion[c] = make([]int, classes)
	}
	for i, pred := range e.pred {
		label := int(s.Label(i))
		if label >= classes {
			return nil, fmt.Errorf("trainer: image %d has label %d, the model has %d classes", i, label, classes)
		}
		ev.Confusion[label][pred]++
	}
	return ev, nil
}

// PrecisionRecall returns each class's precision and recall.
func (ev *Evaluation) PrecisionRecall() (precision, recall []float64) {
	classes := len(ev.Confusion)
	precision, recall = make([]float64, classes), make([]float64, classes)
	for c := range classes {
		var predicted, actual int
		for o := range classes {
			predicted += ev.Confusion[o][c]
			actual += ev.Confusion[c][o]
		}
		if predicted > 0 {
			precision[c] = float64(ev.Confusion[c][c]) / float64(predicted)
		}
		if actual > 0 {
			recall[c] = float64(ev.Confusion[c][c]) / float64(actual)
		}
	}
	return precision, recall
}
