package config_test

import (
	"flag"
	"fmt"
	"path/filepath"

	"github.com/shardnet/shardnet/internal/config"
)

// Load a preset, then let the command line override some of its keys.
func ExampleRegister() {
	c, err := config.Load(filepath.Join("testdata", "preset.yaml"))
	if err != nil {
		fmt.Println(err)
		return
	}
	fs := flag.NewFlagSet("train", flag.ContinueOnError)
	overrides := config.Register(fs)
	if err := fs.Parse([]string{"--learning-rate", "2", "--iterations", "30"}); err != nil {
		fmt.Println(err)
		return
	}
	if err := overrides.Apply(&c); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("hidden:", c.Hidden, "(file)")
	fmt.Println("pixel_scale:", c.PixelScale, "(file)")
	fmt.Println("learning_rate:", c.LearningRate, "(flag)")
	fmt.Println("iterations:", c.Iterations, "(flag)")
	fmt.Println("optimizer:", c.Optimizer, "(default)")
	fmt.Println("valid:", c.Validate() == nil)
	// Output:
	// hidden: 40 (file)
	// pixel_scale: 1/255 (file)
	// learning_rate: 2 (flag)
	// iterations: 30 (flag)
	// optimizer: gd (default)
	// valid: true
}

func ExampleLoad() {
	_, err := config.Load(filepath.Join("testdata", "unknown-key.yaml"))
	fmt.Println(err)
	// Output:
	// config: testdata/unknown-key.yaml: line 3: unknown key "learnig_rate"
}

func ExampleConfig_Validate() {
	c := config.Default()
	c.Hidden = 0
	c.LearningRate = -1
	fmt.Println(c.Validate())
	// Output:
	// config: learning_rate: want a number > 0, found -1
	// config: hidden: want an integer >= 1, found 0
}
