package digit

import (
	"bufio"
	"bytes"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
)

// MaxSide is the largest width or height Decode accepts. A digit needs far
// fewer pixels; the limit keeps a hostile or mistaken file from allocating
// gigabytes before anything else can look at it.
const MaxSide = 4096

// Decode reads a PNG or JPEG image from r. name identifies the file in
// errors. The header is read first, and an image wider or taller than MaxSide
// is refused before its pixel data is decoded.
func Decode(r io.Reader, name string) (image.Image, error) {
	br := bufio.NewReader(r)
	head, err := br.Peek(12)
	if len(head) == 0 {
		if err == nil || err == io.EOF {
			return nil, fmt.Errorf("digit: %s: empty file, want a PNG or JPEG image", name)
		}
		return nil, fmt.Errorf("digit: %s: %w", name, err)
	}
	format := sniff(head)
	var decodeConfig func(io.Reader) (image.Config, error)
	var decode func(io.Reader) (image.Image, error)
	switch format {
	case "png":
		decodeConfig, decode = png.DecodeConfig, png.Decode
	case "jpeg":
		decodeConfig, decode = jpeg.DecodeConfig, jpeg.Decode
	case "unknown":
		return nil, fmt.Errorf("digit: %s: unrecognised image format, want PNG or JPEG", name)
	default:
		return nil, fmt.Errorf("digit: %s: unsupported image format %s, want PNG or JPEG", name, format)
	}
	// The header bytes DecodeConfig consumes are kept and replayed to the full
	// decoder, so r need not be seekable.
	var header bytes.Buffer
	cfg, err := decodeConfig(io.TeeReader(br, &header))
	if err != nil {
		return nil, fmt.Errorf("digit: %s: invalid %s header: %w", name, format, err)
	}
	if cfg.Width < 1 || cfg.Height < 1 {
		return nil, fmt.Errorf("digit: %s: want an image of at least 1x1 pixels, found %dx%d", name, cfg.Width, cfg.Height)
	}
	if cfg.Width > MaxSide || cfg.Height > MaxSide {
		return nil, fmt.Errorf("digit: %s: image is %dx%d pixels, want at most %dx%d", name, cfg.Width, cfg.Height, MaxSide, MaxSide)
	}
	img, err := decode(io.MultiReader(&header, br))
	if err != nil {
		return nil, fmt.Errorf("digit: %s: invalid %s data: %w", name, format, err)
	}
	return img, nil
}

// sniff names the format of a file from its first bytes: "png", "jpeg", a
// common format Decode refuses, or "unknown".
func sniff(head []byte) string {
	switch {
	case bytes.HasPrefix(head, []byte("\x89PNG\r\n\x1a\n")):
		return "png"
	case bytes.HasPrefix(head, []byte("\xff\xd8")):
		return "jpeg"
	case bytes.HasPrefix(head, []byte("GIF8")):
		return "gif"
	case bytes.HasPrefix(head, []byte("BM")):
		return "bmp"
	case bytes.HasPrefix(head, []byte("II*\x00")), bytes.HasPrefix(head, []byte("MM\x00*")):
		return "tiff"
	case len(head) >= 12 && bytes.HasPrefix(head, []byte("RIFF")) && string(head[8:12]) == "WEBP":
		return "webp"
	case bytes.HasPrefix(head, []byte("%PDF")):
		return "pdf"
	case bytes.HasPrefix(head, []byte("<svg")), bytes.HasPrefix(head, []byte("<?xml")):
		return "svg"
	}
	return "unknown"
}
