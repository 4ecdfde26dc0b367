package chart

import (
	"bytes"
	"image"
	"image/png"
	"math/rand/v2"
	"regexp"
	"strconv"
	"testing"
	"time"
)

var day0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// chartOf is a chart of days × links with random counts.
func chartOf(days, links int) Chart {
	r := rand.New(rand.NewPCG(1, 2))
	series := make([]Series, links)
	for i := range series {
		s := Series{Name: "#" + strconv.Itoa(i+1) + " Partners " + strconv.Itoa(i), Counts: make([]int, days)}
		for d := range s.Counts {
			s.Counts[d] = r.IntN(20 + i)
			s.Total += s.Counts[d]
		}
		series[i] = s
	}
	return Chart{Title: "Joins per day in Test Group", From: day0, Days: days, Series: Fold(series, 8, "other"), YLabel: "joins"}
}

func TestPNG(t *testing.T) {
	for _, c := range []Chart{chartOf(30, 3), chartOf(365, 50), chartOf(1, 1)} {
		data, err := PNG(c)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil {
			t.Fatalf("the PNG does not decode: %v", err)
		}
		if b := img.Bounds(); b.Dx() != Width || b.Dy() != Height || Width < 1280 || Height < 720 {
			t.Errorf("size %v, want %dx%d, at least 1280x720", b, Width, Height)
		}
		// Something is drawn in the lines' colours: the first series' blue.
		if !hasColour(img, palette[0].R, palette[0].G, palette[0].B) {
			t.Errorf("no line in the first series' colour")
		}
	}
	if _, err := PNG(Chart{Days: 30}); err == nil {
		t.Errorf("a chart without series drew")
	}
}

func hasColour(img image.Image, r, g, b uint8) bool {
	bd := img.Bounds()
	for y := bd.Min.Y; y < bd.Max.Y; y += 2 {
		for x := bd.Min.X; x < bd.Max.X; x += 2 {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			if uint8(cr>>8) == r && uint8(cg>>8) == g && uint8(cb>>8) == b {
				return true
			}
		}
	}
	return false
}

func TestFold(t *testing.T) {
	s := []Series{
		{Name: "a", Counts: []int{1, 0}, Total: 1},
		{Name: "b", Counts: []int{5, 5}, Total: 10},
		{Name: "c", Counts: []int{0, 2}, Total: 2},
		{Name: "d", Counts: []int{1, 1}, Total: 2},
	}
	got := Fold(s, 2, "other")
	if len(got) != 3 || got[0].Name != "b" || got[1].Name != "c" || got[2].Name != "other" || got[2].Total != 3 ||
		got[2].Counts[0] != 2 || got[2].Counts[1] != 1 {
		t.Errorf("Fold = %+v", got)
	}
	if got := Fold(s[:2], 8, "other"); len(got) != 2 || got[0].Name != "b" {
		t.Errorf("Fold of fewer than keep = %+v", got)
	}
}

// BenchmarkStatsChart: 365 days × 50 links, folded to 8 and other, as a
// PNG. The target is under 200 ms an image.
func BenchmarkStatsChart(b *testing.B) {
	c := chartOf(365, 50)
	for b.Loop() {
		if _, err := PNG(c); err != nil {
			b.Fatal(err)
		}
	}
}

// TestTickLabels: the days are ISO dates, as every date the bot shows in
// every language (no English month names), and the counts whole numbers.
func TestTickLabels(t *testing.T) {
	for _, tc := range []struct {
		days int
		want *regexp.Regexp
	}{{1, regexp.MustCompile(`^2026-01-0[12]$`)}, {30, regexp.MustCompile(`^2026-01-\d\d$`)}, {365, regexp.MustCompile(`^202[67]-\d\d$`)}} {
		labelled := 0
		for _, tick := range dateTicks(tc.days).Ticks(float64(day0.Unix()), float64(day0.AddDate(0, 0, max(tc.days-1, 1)).Unix())) {
			if tick.Label == "" {
				continue
			}
			labelled++
			if !tc.want.MatchString(tick.Label) {
				t.Errorf("%d days: a date reads %q, want it to match %s", tc.days, tick.Label, tc.want)
			}
		}
		if labelled == 0 {
			t.Errorf("%d days: no date labelled", tc.days)
		}
	}
	for _, top := range []float64{1.15, 7, 46, 1150} {
		labelled := 0
		for _, tick := range (wholeTicks{}).Ticks(0, top) {
			if tick.Label == "" {
				continue
			}
			labelled++
			if _, err := strconv.Atoi(tick.Label); err != nil {
				t.Errorf("up to %v: a count reads %q, want a whole number", top, tick.Label)
			}
		}
		if labelled == 0 {
			t.Errorf("up to %v: no count labelled", top)
		}
	}
}
