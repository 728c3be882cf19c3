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

// The largest images Decode accepts: the photos of today's phones (48
// megapixels, 8000x6000), with some room. The limit is checked on the
// header, before any pixel is decoded, so that a file declaring more (a
// decompression bomb) costs nothing. Decoding an accepted image takes at
// most MaxBytesPerPixel bytes a pixel, MaxDecodedBytes (400 MB) in all; a
// phone's JPEG (YCbCr 4:2:0) takes 1.5, 72 MB for 48 megapixels. The
// preparation that follows works on a copy of at most 1024x1024.
const (
	MaxPixels = 50_000_000
	// MaxSide bounds either side alone, so that a 50-megapixel strip
	// cannot be a million pixels long.
	MaxSide = 16384
	// MaxBytesPerPixel is the most the decoders of image/png and
	// image/jpeg take per pixel: 16-bit RGBA PNG.
	MaxBytesPerPixel = 8
	MaxDecodedBytes  = MaxPixels * MaxBytesPerPixel
)

// Decode reads a PNG or JPEG image from r. name identifies the file in
// errors. The header is read first, and an image of more than MaxPixels
// pixels, or wider or taller than MaxSide, is refused before its pixel data
// is decoded.
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
	if cfg.Width > MaxSide || cfg.Height > MaxSide || cfg.Width*cfg.Height > MaxPixels {
		return nil, fmt.Errorf("digit: %s: image is %dx%d pixels (%.1f megapixels), want at most %d megapixels and %d pixels a side",
			name, cfg.Width, cfg.Height, float64(cfg.Width)*float64(cfg.Height)/1e6, MaxPixels/1_000_000, MaxSide)
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
