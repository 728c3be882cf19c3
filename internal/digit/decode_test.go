package digit_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"image"
	"image/color"
	"image/color/palette"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"
	"strings"
	"testing"

	"github.com/shardnet/shardnet/internal/digit"
)

// pngHeader returns the signature and IHDR chunk of a w×h 8-bit greyscale
// PNG: everything DecodeConfig needs, and no pixel data.
func pngHeader(w, h uint32) []byte {
	var ihdr [13]byte
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8] = 8 // bit depth; colour type 0 (grey), compression, filter, interlace 0
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	binary.Write(&b, binary.BigEndian, uint32(len(ihdr)))
	chunk := append([]byte("IHDR"), ihdr[:]...)
	b.Write(chunk)
	binary.Write(&b, binary.BigEndian, crc32.ChecksumIEEE(chunk))
	return b.Bytes()
}

// tripwire is a reader that records being read: the pixel data after a
// header that should have been refused.
type tripwire struct{ read bool }

func (t *tripwire) Read(p []byte) (int, error) {
	t.read = true
	return 0, errors.New("pixel data read")
}

func TestDecodeRefusesHugeImageBeforeDecoding(t *testing.T) {
	for _, size := range [][2]uint32{{8000, 7000}, {16385, 10}, {10, 16385}, {16384, 16384}} {
		wire := &tripwire{}
		_, err := digit.Decode(io.MultiReader(bytes.NewReader(pngHeader(size[0], size[1])), wire), "huge.png")
		if err == nil {
			t.Fatalf("%dx%d: no error", size[0], size[1])
		}
		want := "digit: huge.png: image is"
		if !strings.Contains(err.Error(), want) || !strings.Contains(err.Error(), "want at most 50 megapixels and 16384 pixels a side") {
			t.Errorf("%dx%d: error %q, want it to name the size and the limit", size[0], size[1], err)
		}
		if wire.read {
			t.Errorf("%dx%d: the pixel data was read before the size was refused", size[0], size[1])
		}
	}
}

// TestDecodeTakesPhoneSizes: the header of a phone's photo, 48 megapixels
// (8000x6000, either way up), passes the size check and reaches the pixel
// data.
func TestDecodeTakesPhoneSizes(t *testing.T) {
	for _, size := range [][2]uint32{{8000, 6000}, {6000, 8000}, {16384, 3000}} {
		wire := &tripwire{}
		_, err := digit.Decode(io.MultiReader(bytes.NewReader(pngHeader(size[0], size[1])), wire), "photo.png")
		if !wire.read {
			t.Errorf("%dx%d: refused before the pixel data: %v", size[0], size[1], err)
		}
	}
}

func encoded(t *testing.T, encode func(io.Writer, image.Image) error) []byte {
	t.Helper()
	img := scene{w: 60, h: 80, shape: shapeSeven, at: image.Rect(10, 10, 50, 70), stroke: 6, darkOnLight: true}.gray()
	var b bytes.Buffer
	if err := encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestDecode(t *testing.T) {
	pngData := encoded(t, png.Encode)
	jpegData := encoded(t, func(w io.Writer, m image.Image) error { return jpeg.Encode(w, m, nil) })
	gifData := encoded(t, func(w io.Writer, m image.Image) error {
		p := image.NewPaletted(m.Bounds(), palette.Plan9)
		for i := range p.Pix {
			p.Pix[i] = uint8(p.Palette.Index(color.Gray{m.(*image.Gray).Pix[i]}))
		}
		return gif.Encode(w, p, nil)
	})
	tests := []struct {
		name    string
		data    []byte
		wantErr string // "" for success
	}{
		{"photo.png", pngData, ""},
		{"photo.jpg", jpegData, ""},
		{"photo.gif", gifData, "digit: photo.gif: unsupported image format gif, want PNG or JPEG"},
		{"notes.txt", []byte("this is not an image at all"), "digit: notes.txt: unrecognised image format, want PNG or JPEG"},
		{"empty.png", nil, "digit: empty.png: empty file, want a PNG or JPEG image"},
		{"cut.png", pngData[:len(pngData)/2], "digit: cut.png: invalid png data"},
		{"cut.jpg", jpegData[:len(jpegData)/2], "digit: cut.jpg: invalid jpeg data"},
		{"zero.png", pngHeader(0, 10), "digit: zero.png: invalid png header"},
		{"header.png", pngData[:20], "digit: header.png: invalid png header"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			img, err := digit.Decode(bytes.NewReader(tc.data), tc.name)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatal(err)
				}
				if b := img.Bounds(); b.Dx() != 60 || b.Dy() != 80 {
					t.Errorf("decoded %v, want 60x80", b)
				}
				if _, err := digit.Prepare(img); err != nil {
					t.Errorf("prepare: %v", err)
				}
				return
			}
			if err == nil || !strings.HasPrefix(err.Error(), tc.wantErr) {
				t.Errorf("error %v, want one starting %q", err, tc.wantErr)
			}
		})
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(pngHeader(5000, 5000))
	f.Add(pngHeader(3, 3))
	f.Add([]byte("\xff\xd8\xff\xe0"))
	f.Add([]byte("GIF89a"))
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := digit.Decode(bytes.NewReader(data), "fuzz")
		if err != nil {
			return
		}
		if b := img.Bounds(); b.Dx() > digit.MaxSide || b.Dy() > digit.MaxSide {
			t.Fatalf("decoded %v beyond the limit", b)
		}
		// Whatever decodes must prepare without panicking.
		_, _ = digit.Prepare(img)
	})
}

func BenchmarkDecodePNG(b *testing.B) { benchDecode(b, png.Encode) }

func benchDecode(b *testing.B, encode func(io.Writer, image.Image) error) {
	img := pictures[0].scene.gray()
	var buf bytes.Buffer
	if err := encode(&buf, img); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := digit.Decode(bytes.NewReader(buf.Bytes()), "bench.png"); err != nil {
			b.Fatal(err)
		}
	}
}

func TestLoadNamesThePicture(t *testing.T) {
	var blank bytes.Buffer
	if err := png.Encode(&blank, image.NewGray(image.Rect(0, 0, 20, 20))); err != nil {
		t.Fatal(err)
	}
	_, err := digit.Load(&blank, "blank.png")
	if !errors.Is(err, digit.ErrBlank) || !strings.HasPrefix(err.Error(), "digit: blank.png: no ink found") {
		t.Errorf("error %v, want one starting \"digit: blank.png: no ink found\" wrapping ErrBlank", err)
	}
	good := encoded(t, png.Encode)
	got, err := digit.Load(bytes.NewReader(good), "good.png")
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(good))
	if err != nil {
		t.Fatal(err)
	}
	want, err := digit.Prepare(img)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Error("Load differs from Decode followed by Prepare")
	}
}
