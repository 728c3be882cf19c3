package config

import (
	"flag"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
)

// Overrides records the configuration flags given on a command line, so they
// can be applied on top of a configuration file after parsing.
type Overrides struct {
	set map[string]func(*Config) error // by YAML key
}

// FlagName returns the command-line flag of a YAML key: learning_rate
// becomes learning-rate.
func FlagName(key string) string { return strings.ReplaceAll(key, "_", "-") }

// Register defines one flag per configuration key on fs, except the keys
// named in except, named after the key with dashes for underscores. The
// defaults shown in the help text are the built-in defaults. Parsed values
// are kept in the returned Overrides until Apply.
func Register(fs *flag.FlagSet, except ...string) *Overrides {
	o := &Overrides{set: map[string]func(*Config) error{}}
	def := reflect.ValueOf(Default())
	t := def.Type()
	for i := range t.NumField() {
		field := t.Field(i)
		key := field.Tag.Get("yaml")
		if slices.Contains(except, key) {
			continue
		}
		fs.Var(&override{o: o, key: key, index: i, def: def.Field(i)}, FlagName(key), field.Tag.Get("usage"))
	}
	return o
}

// Apply sets on c every key whose flag was given.
func (o *Overrides) Apply(c *Config) error {
	for _, key := range Keys() {
		if apply, ok := o.set[key]; ok {
			if err := apply(c); err != nil {
				return err
			}
		}
	}
	return nil
}

// Has reports whether the flag of key was given.
func (o *Overrides) Has(key string) bool {
	_, ok := o.set[key]
	return ok
}

// override is the flag.Value of one configuration key.
type override struct {
	o     *Overrides
	key   string
	index int
	def   reflect.Value
	text  string
}

func (v *override) String() string {
	if v == nil || v.o == nil {
		return ""
	}
	if v.text != "" {
		return v.text
	}
	return fmt.Sprint(v.def.Interface())
}

func (v *override) IsBoolFlag() bool { return v.def.Kind() == reflect.Bool }

// Placeholder names the value the flag takes, for help text, where the
// flag package would only say "value": the field type's own Placeholder
// when it has one (Scale, IntList), else after the key and the field's
// kind: DIR for a directory, N for an integer, X for a number and NAME for
// one of a set of names.
func (v *override) Placeholder() string {
	if p, ok := reflect.New(v.def.Type()).Interface().(interface{ Placeholder() string }); ok {
		return p.Placeholder()
	}
	switch v.def.Kind() {
	case reflect.Int, reflect.Uint64:
		return "N"
	case reflect.Float64:
		return "X"
	case reflect.String:
		if strings.HasSuffix(v.key, "_dir") {
			return "DIR"
		}
		return "NAME"
	}
	return "VALUE"
}

func (v *override) Set(text string) error {
	value := reflect.New(v.def.Type()).Elem()
	if err := parseInto(value, text); err != nil {
		return err
	}
	v.text = text
	v.o.set[v.key] = func(c *Config) error {
		reflect.ValueOf(c).Elem().Field(v.index).Set(value)
		return nil
	}
	return nil
}

// parseInto parses text into v according to v's kind.
func parseInto(v reflect.Value, text string) error {
	if s, ok := v.Addr().Interface().(flag.Value); ok {
		return s.Set(text)
	}
	switch v.Kind() {
	case reflect.String:
		v.SetString(text)
	case reflect.Bool:
		b, err := strconv.ParseBool(text)
		if err != nil {
			return fmt.Errorf("want true or false, found %q", text)
		}
		v.SetBool(b)
	case reflect.Int:
		n, err := strconv.ParseInt(text, 10, 0)
		if err != nil {
			return fmt.Errorf("want an integer, found %q", text)
		}
		v.SetInt(n)
	case reflect.Uint64:
		n, err := strconv.ParseUint(text, 10, 64)
		if err != nil {
			return fmt.Errorf("want a non-negative integer, found %q", text)
		}
		v.SetUint(n)
	case reflect.Float64:
		f, err := strconv.ParseFloat(text, 64)
		if err != nil {
			return fmt.Errorf("want a number, found %q", text)
		}
		v.SetFloat(f)
	default:
		return fmt.Errorf("unsupported flag type %s", v.Type())
	}
	return nil
}
