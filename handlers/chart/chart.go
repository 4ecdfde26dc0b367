// Package chart draws /stats' picture: joins per day, one line per link,
// as a PNG legible on a phone. It uses gonum.org/v1/plot (pure Go, its
// fonts embedded): no browser, no cgo.
package chart

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"image/color"
	"image/png"
	"slices"
	"strconv"
	"time"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// The picture's size in pixels: Telegram shows a photo up to 1280 wide,
// and a 16:9 picture fills a phone's screen turned sideways.
const (
	Width  = 1600
	Height = 900
	dpi    = 96
)

// Series is one line: a name for the legend and a count per day.
type Series struct {
	Name   string
	Counts []int // one per day of the chart
	Total  int   // the sum of Counts
}

// Chart is a chart of counts per day.
type Chart struct {
	Title  string
	From   time.Time // the first day, 00:00 UTC
	Days   int
	Series []Series
	// YLabel names what is counted ("joins").
	YLabel string
}

// Fold keeps the keep series with the highest totals (ties: in the order
// given) and adds the rest up into one series named other, last, if any.
func Fold(series []Series, keep int, other string) []Series {
	s := slices.Clone(series)
	slices.SortStableFunc(s, func(a, b Series) int { return cmp.Compare(b.Total, a.Total) })
	if len(s) <= keep {
		return s
	}
	rest := Series{Name: other, Counts: make([]int, len(s[0].Counts))}
	for _, r := range s[keep:] {
		for i, n := range r.Counts {
			rest.Counts[i] += n
		}
		rest.Total += r.Total
	}
	return append(s[:keep:keep], rest)
}

// palette is the lines' colours, apart on a white ground and for most
// kinds of colour blindness (Okabe and Ito's, then greys).
var palette = []color.RGBA{
	{0, 114, 178, 255}, {230, 159, 0, 255}, {0, 158, 115, 255}, {213, 94, 0, 255},
	{204, 121, 167, 255}, {86, 180, 233, 255}, {240, 228, 66, 255}, {0, 0, 0, 255},
	{150, 150, 150, 255},
}

// PNG draws c as a Width×Height PNG: large type, a legend, dates in UTC.
func PNG(c Chart) ([]byte, error) {
	if c.Days <= 0 || len(c.Series) == 0 {
		return nil, errors.New("chart: nothing to draw")
	}
	p := plot.New()
	p.Title.Text = c.Title
	p.Title.TextStyle.Font.Size = vg.Points(26)
	p.Title.Padding = vg.Points(12)
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Label.TextStyle.Font.Size = vg.Points(20)
		ax.Tick.Label.Font.Size = vg.Points(18)
		ax.LineStyle.Width = vg.Points(1.5)
	}
	p.X.Label.Text = "UTC"
	p.Y.Label.Text = c.YLabel
	p.X.Tick.Marker = dateTicks(c.Days)
	p.Y.Min = 0
	p.Y.Tick.Marker = wholeTicks{}
	p.Add(plotter.NewGrid())
	p.Legend.Top, p.Legend.Left = true, true
	p.Legend.TextStyle.Font.Size = vg.Points(18)
	p.Legend.ThumbnailWidth = vg.Points(36)
	p.Legend.Padding = vg.Points(4)
	p.Legend.XOffs, p.Legend.YOffs = vg.Points(12), -vg.Points(8)

	top := 1
	for i, s := range c.Series {
		pts := make(plotter.XYs, c.Days)
		for d := range c.Days {
			n := 0
			if d < len(s.Counts) {
				n = s.Counts[d]
			}
			pts[d].X = float64(c.From.AddDate(0, 0, d).Unix())
			pts[d].Y = float64(n)
			top = max(top, n)
		}
		l, err := plotter.NewLine(pts)
		if err != nil {
			return nil, fmt.Errorf("chart: %w", err)
		}
		l.Color = palette[i%len(palette)]
		l.Width = vg.Points(3)
		p.Add(l)
		p.Legend.Add(fmt.Sprintf("%s (%d)", s.Name, s.Total), l)
	}
	p.Y.Max = float64(top) * 1.15 // room for the legend
	p.X.Min = float64(c.From.Unix())
	p.X.Max = float64(c.From.AddDate(0, 0, c.Days-1).Unix())
	if c.Days == 1 {
		p.X.Max = p.X.Min + 24*3600
	}

	canvas := vgimg.NewWith(vgimg.UseWH(vg.Length(Width)*vg.Inch/dpi, vg.Length(Height)*vg.Inch/dpi), vgimg.UseDPI(dpi))
	p.Draw(draw.New(canvas))
	var b bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestSpeed}
	if err := enc.Encode(&b, canvas.Image()); err != nil {
		return nil, fmt.Errorf("chart: %w", err)
	}
	return b.Bytes(), nil
}

// dateTicks marks the days of a chart of days days in ISO form, as every
// date the bot shows in every language: 2026-11-12, or 2026-11 over more
// than 120 days.
func dateTicks(days int) plot.Ticker {
	format := "2006-01-02"
	if days > 120 {
		format = "2006-01"
	}
	return plot.TimeTicks{Format: format}
}

// wholeTicks marks whole numbers only, written as such (2, not 2.0):
// counts have no fractions.
type wholeTicks struct{}

func (wholeTicks) Ticks(min, max float64) []plot.Tick {
	var out []plot.Tick
	for _, t := range (plot.DefaultTicks{}).Ticks(min, max) {
		if t.Label != "" {
			if t.Value != float64(int64(t.Value)) {
				continue
			}
			t.Label = strconv.FormatInt(int64(t.Value), 10)
		}
		out = append(out, t)
	}
	return out
}
