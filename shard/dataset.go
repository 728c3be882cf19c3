package shard

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
)

// File names of the four standard files, without the .gz suffix.
const (
	TrainImagesFile = "train-images-idx3-ubyte"
	TrainLabelsFile = "train-labels-idx1-ubyte"
	TestImagesFile  = "t10k-images-idx3-ubyte"
	TestLabelsFile  = "t10k-labels-idx1-ubyte"
)

// Files returns the four standard file names (without .gz) in a fixed order:
// train images, train labels, test images, test labels. The result is an
// array, a copy, so that no caller can change the names for others.
func Files() [4]string {
	return [4]string{TrainImagesFile, TrainLabelsFile, TestImagesFile, TestLabelsFile}
}

// standardClasses is the number of classes of MNIST and Fashion-MNIST, the
// ten digits and the ten kinds of garment. It is the one place the number
// is written: a Set carries it as Classes, and a network trained on the set
// has one output per class.
const standardClasses = 10

// Set is a set of images with one label per image.
type Set struct {
	Images  *Images
	Labels  []uint8 // len(Labels) == Images.Count
	Classes int     // every label is below Classes
}

// Len returns the number of samples in the set.
func (s *Set) Len() int { return len(s.Labels) }

// Dataset is a training set and a test set with images of equal dimensions.
type Dataset struct {
	Train, Test *Set
}

func baseName(path string) string { return filepath.Base(path) }

// FindFile returns dir/base.gz if it is a regular file, else dir/base if it
// is, else an error naming both.
func FindFile(dir, base string) (string, error) {
	gz := filepath.Join(dir, base+".gz")
	raw := filepath.Join(dir, base)
	for _, p := range []string{gz, raw} {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() {
			return p, nil
		}
	}
	return "", fmt.Errorf("shard: %s: expected %s or %s, found neither", base, gz, raw)
}

// HasDataset reports whether dir holds all four standard files, each gzipped
// or raw. It does not validate their contents.
func HasDataset(dir string) bool {
	for _, f := range Files() {
		if _, err := FindFile(dir, f); err != nil {
			return false
		}
	}
	return true
}

// Load reads the four standard files from dir and checks that each set has
// one label per image, that every label is a class index below the
// standard data sets' 10, and that train and test images have the same
// dimensions.
func Load(dir string) (*Dataset, error) {
	var paths [4]string
	for i, f := range Files() {
		p, err := FindFile(dir, f)
		if err != nil {
			return nil, err
		}
		paths[i] = p
	}
	// Decompressing is CPU-bound, so the files are read concurrently; the
	// errors are kept per file so that the one reported does not depend on
	// scheduling.
	var (
		images [2]*Images
		labels [2][]uint8
		errs   [4]error
		wg     sync.WaitGroup
	)
	for s := range 2 {
		wg.Go(func() { images[s], errs[2*s] = OpenImages(paths[2*s]) })
		wg.Go(func() { labels[s], errs[2*s+1] = OpenLabels(paths[2*s+1]) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return nil, err
		}
	}
	var sets [2]*Set
	for s := range 2 {
		var err error
		if sets[s], err = newSet(images[s], labels[s], paths[2*s], paths[2*s+1]); err != nil {
			return nil, err
		}
	}
	tr, te := images[0], images[1]
	if tr.Rows != te.Rows || tr.Cols != te.Cols {
		return nil, fmt.Errorf("shard: %s: expected %dx%d images like %s, found %dx%d",
			baseName(paths[2]), tr.Rows, tr.Cols, baseName(paths[0]), te.Rows, te.Cols)
	}
	return &Dataset{Train: sets[0], Test: sets[1]}, nil
}

// newSet checks that the images and labels read from imagesPath and
// labelsPath pair up, one label per image, each a class index below the
// standard data sets' 10.
func newSet(im *Images, lb []uint8, imagesPath, labelsPath string) (*Set, error) {
	if im.Count != len(lb) {
		return nil, fmt.Errorf("shard: %s: expected %d labels, one per image of %s, found %d",
			baseName(labelsPath), im.Count, baseName(imagesPath), len(lb))
	}
	for i, l := range lb {
		if l >= standardClasses {
			return nil, fmt.Errorf("shard: %s: expected labels 0..%d, found %d at index %d",
				baseName(labelsPath), standardClasses-1, l, i)
		}
	}
	return &Set{Images: im, Labels: lb, Classes: standardClasses}, nil
}

// LoadTest reads the two test files alone from dir, checked as Load checks
// them, for an evaluation, which needs no training set.
func LoadTest(dir string) (*Set, error) {
	imagesPath, err := FindFile(dir, TestImagesFile)
	if err != nil {
		return nil, err
	}
	labelsPath, err := FindFile(dir, TestLabelsFile)
	if err != nil {
		return nil, err
	}
	im, err := OpenImages(imagesPath)
	if err != nil {
		return nil, err
	}
	lb, err := OpenLabels(labelsPath)
	if err != nil {
		return nil, err
	}
	return newSet(im, lb, imagesPath, labelsPath)
}

// Missing returns those of the standard files bases (names as Files gives
// them) that dir holds neither gzipped nor raw, in the order given.
func Missing(dir string, bases ...string) []string {
	var missing []string
	for _, b := range bases {
		if _, err := FindFile(dir, b); err != nil {
			missing = append(missing, b)
		}
	}
	return missing
}
