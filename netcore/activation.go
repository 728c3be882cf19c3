package netcore

import "fmt"

// Activation is the non-linearity of the hidden layer.
type Activation uint8

// The hidden-layer activations. Sigmoid is the post's and the zero value.
const (
	Sigmoid Activation = iota
	Tanh
	ReLU
)

var activationNames = [...]string{Sigmoid: "sigmoid", Tanh: "tanh", ReLU: "relu"}

// String returns the configuration name of a: "sigmoid", "tanh" or "relu".
func (a Activation) String() string {
	if int(a) < len(activationNames) {
		return activationNames[a]
	}
	return fmt.Sprintf("Activation(%d)", a)
}

// ParseActivation returns the activation with the given configuration name.
func ParseActivation(name string) (Activation, error) {
	for i, n := range activationNames {
		if n == name {
			return Activation(i), nil
		}
	}
	return 0, fmt.Errorf("netcore: unknown activation %q (want sigmoid, tanh or relu)", name)
}
