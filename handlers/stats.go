package handlers

import (
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/handlers/chart"
	"github.com/invitebot/invitebot/handlers/text"
	"github.com/invitebot/invitebot/store"
)

// The bounds of /stats' PERIOD, in days.
const (
	defaultStatsDays = 30
	maxStatsDays     = 365
	// chartLines is how many links get a line of their own; the rest
	// add up to "other".
	chartLines = 8
)

// StatsArgs are /stats' arguments: a link (nil: every link) and a number
// of days.
type StatsArgs struct {
	Ref  *Ref
	Days int
}

var periodPattern = regexp.MustCompile(`^([0-9]{1,4})([dDwW])$`)

// otherDuration is a duration in another unit (1h, 30m, 3mo, 1y): a PERIOD
// given in a unit /stats does not chart by, not a link's name.
var otherDuration = regexp.MustCompile(`(?i)^[0-9]{1,4}(s|m|h|min|mo|y)$`)

// ParseStatsArgs parses /stats [REF] [PERIOD]: PERIOD (7d, 4w; at most
// 365 days, 30 by default) is the last word if it looks like one; a last
// word that is a duration in another unit (1h, 3mo) is a mistake, not a
// link's name (a link named so is still reached by #N or its URL).
func ParseStatsArgs(args string) (StatsArgs, error) {
	a := StatsArgs{Days: defaultStatsDays}
	words := strings.Fields(args)
	if n := len(words); n > 0 {
		last := words[n-1]
		days := 0 // not a period in days or weeks
		if m := periodPattern.FindStringSubmatch(last); m != nil {
			days, _ = strconv.Atoi(m[1])
			if strings.EqualFold(m[2], "w") {
				days *= 7
			}
		}
		switch {
		case days >= 1 && days <= maxStatsDays:
			a.Days, words = days, words[:n-1]
		case days != 0 || periodPattern.MatchString(last) || otherDuration.MatchString(last):
			return a, argErr("stats.period", "Period", last, "Max", maxStatsDays)
		}
	}
	if len(words) > 0 {
		ref, err := parseRef(words, "")
		if err != nil {
			return a, err
		}
		a.Ref = &ref
	}
	return a, nil
}

// Stats (/stats [REF] [PERIOD]) sends a chart of the joins per day over
// PERIOD, one line per link (the eight with most joins, the rest as
// "other"), with a caption: the joins in all and per link, and the
// requests approved and declined and the checks passed and failed. With
// no joins, a sentence instead.
func (h *History) Stats(ctx context.Context, u *bot.Update) error {
	chat, _, err := target(u)
	if err != nil {
		return err
	}
	a, err := ParseStatsArgs(args(u))
	if err != nil {
		return err
	}
	var only *store.Link
	if a.Ref != nil {
		l, err := h.resolve(ctx, u, *a.Ref, "stats")
		if err != nil {
			return err
		}
		only = &l
	}
	dst, ok, err := h.linksDest(ctx, u)
	if !ok {
		return err
	}
	now := h.now()
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	from := today.AddDate(0, 0, -(a.Days - 1))
	joins, err := h.history.ChatJoins(ctx, chat.ID, from)
	if err != nil {
		return fmt.Errorf("chat joins: %w", err)
	}
	links, err := h.store.ListLinks(ctx, chat.ID)
	if err != nil {
		return fmt.Errorf("list links: %w", err)
	}
	counts, err := h.history.ActionCounts(ctx, chat.ID, from)
	if err != nil {
		return fmt.Errorf("action counts: %w", err)
	}
	p := dst.p
	series, total := joinSeries(p, joins, links, only, from, a.Days)
	period := text.M("stats.period_days", "Count", a.Days, "From", from.Format("2006-01-02"), "To", today.Format("2006-01-02"))
	if total == 0 {
		return h.deliver(ctx, u, dst, p.S("stats.none", "Chat", chat.Title, "Period", period), nil, nil)
	}
	folded := chart.Fold(series, chartLines, p.P("stats.other"))
	title := p.P("stats.chart_title", "Chat", chat.Title)
	if only != nil {
		title = p.P("stats.chart_title_link", "Chat", chat.Title, "N", only.Number)
	}
	png, err := chart.PNG(chart.Chart{Title: title, From: from, Days: a.Days, Series: folded, YLabel: p.P("stats.axis")})
	if err != nil {
		return err
	}
	var per []string
	for _, s := range folded {
		per = append(per, p.S("stats.per_link", "Name", s.Name, "Joins", s.Total))
	}
	caption := p.S("stats.caption", "Chat", chat.Title, "Period", period, "Count", total, "PerLink", text.HTML(strings.Join(per, "\n")),
		"Approved", counts[store.ActionRequestApproved], "Declined", counts[store.ActionRequestDeclined],
		"Passed", counts[store.ActionVerifyPassed], "Failed", counts[store.ActionVerifyFailed]+counts[store.ActionVerifyTimedOut])
	if _, err := h.files.SendPhoto(ctx, bot.Outgoing{ChatID: dst.chatID, ReplyTo: dst.replyTo, Text: caption},
		bot.File{Name: "stats.png", Data: png}); err != nil {
		return err
	}
	return h.noteMoved(ctx, u, dst)
}

// joinSeries counts joins per day and link, from from over days days: one
// series per link with joins (only's, if set), and the total.
func joinSeries(p *text.Printer, joins []store.LinkJoin, links []store.Link, only *store.Link, from time.Time, days int) ([]chart.Series, int) {
	names := make(map[string]string, len(links))
	for _, l := range links {
		name := "#" + strconv.FormatInt(l.Number, 10)
		if l.Name != "" {
			name += " " + cut(l.Name, 24)
		}
		names[l.URL] = name
	}
	// One series per link, in the order of their numbers (the order Fold
	// keeps among equals), then one for joins through links no longer known.
	index := make(map[string]int)
	var series []chart.Series
	for _, l := range links {
		index[l.URL] = len(series)
		series = append(series, chart.Series{Name: names[l.URL], Counts: make([]int, days)})
	}
	total := 0
	for _, j := range joins {
		if only != nil && j.URL != only.URL {
			continue
		}
		d := int(j.At.Sub(from) / (24 * time.Hour))
		if d < 0 || d >= days {
			continue
		}
		i, ok := index[j.URL]
		if !ok {
			i = len(series)
			index[j.URL] = i
			name := names[j.URL]
			if name == "" {
				name = p.P("stats.other")
			}
			series = append(series, chart.Series{Name: name, Counts: make([]int, days)})
		}
		series[i].Counts[d]++
		series[i].Total++
		total++
	}
	out := series[:0]
	for _, s := range series {
		if s.Total > 0 {
			out = append(out, s)
		}
	}
	return out, total
}
