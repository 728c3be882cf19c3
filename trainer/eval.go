package trainer

import (
	"fmt"
	"strings"

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
	return &evaluator{model: m, samples: s, order: identity(s.N), pred: make([]uint8, s.N), scratch: kernel.NewScratch(m)}
}

// accuracy predicts every sample with the model's current parameters.
func (e *evaluator) accuracy() float64 {
	e.model.Predict(e.pred, e.samples, e.order, e.scratch)
	correct := 0
	for i, p := range e.pred {
		if p == e.samples.Labels[i] {
			correct++
		}
	}
	return float64(correct) / float64(len(e.pred))
}

// Evaluation is a model's performance on a labelled set.
type Evaluation struct {
	Accuracy    float64
	Confusion   [Classes][Classes]int // [true label][predicted label]
	Predictions []uint8
}

// NewModel builds the kernels' float32 model of the parameters p, for
// evaluating or applying a trained network.
func NewModel(p *netcore.Params, act netcore.Activation, pixelScale float32) (*kernel.Model, error) {
	m, err := kernel.NewModel(p.Shape.Inputs, p.Shape.Hidden, p.Shape.Outputs, kernel.Activation(act), pixelScale)
	if err != nil {
		return nil, fmt.Errorf("trainer: %w", err)
	}
	m.Load(p.W1, p.B1, p.W2, p.B2)
	return m, nil
}

// Evaluate predicts every sample of s with parameters p.
func Evaluate(p *netcore.Params, act netcore.Activation, pixelScale float64, s *kernel.Samples) (*Evaluation, error) {
	if s.Dim != p.Shape.Inputs {
		return nil, fmt.Errorf("trainer: model takes %d inputs, images have %d pixels", p.Shape.Inputs, s.Dim)
	}
	m, err := NewModel(p, act, float32(pixelScale))
	if err != nil {
		return nil, err
	}
	e := newEvaluator(m, s)
	ev := &Evaluation{Accuracy: e.accuracy(), Predictions: e.pred}
	for i, pred := range e.pred {
		ev.Confusion[s.Labels[i]][pred]++
	}
	return ev, nil
}

// PrecisionRecall returns each class's precision and recall.
func (ev *Evaluation) PrecisionRecall() (precision, recall [Classes]float64) {
	for c := range Classes {
		var predicted, actual int
		for o := range Classes {
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

// ConfusionText formats the confusion matrix with true labels as rows.
func (ev *Evaluation) ConfusionText() string {
	var b strings.Builder
	b.WriteString("confusion matrix (rows: true label, columns: predicted)\n     ")
	for c := range Classes {
		fmt.Fprintf(&b, "%6d", c)
	}
	b.WriteByte('\n')
	for r := range Classes {
		fmt.Fprintf(&b, "%5d", r)
		for c := range Classes {
			fmt.Fprintf(&b, "%6d", ev.Confusion[r][c])
		}
		b.WriteByte('\n')
	}
	return b.String()
}
