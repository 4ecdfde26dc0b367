package main

import (
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/invitebot/invitebot/bot/bottest"
)

// The raid (issue 13): join requests arrive in one chat in verify mode, all
// at once, while the admin of another chat makes links.
const (
	raidBase = int64(7000000000) // the raiders' user IDs
	// raidCommands is how many /createlink are sent during the raid, one
	// after another, spread over it, each by the admin of another chat (so
	// that no chat's own limit of about a message a second comes into play).
	raidCommands = 10
	// raidReplyTarget is the longest a /createlink in another chat may
	// wait for its answer during the raid.
	raidReplyTarget = 2 * time.Second
)

// raidOutcome is what the raid measured, from the fake's own record.
type raidOutcome struct {
	requests, checks int
	// checked is how long the checks took, from the first request pushed
	// to the last check's arrival at the fake.
	checked time.Duration
	// mostPerSecond is the most checks that arrived within any 1 s.
	mostPerSecond int
	// replies are the /createlink answers' delays, from the command pushed
	// to the last of its two messages (the link in the admin's private chat,
	// the line in the group) arriving at the fake; at are how many checks
	// had gone out when each command was sent.
	replies []time.Duration
	at      []int
	// rateLimited counts the sends Telegram's limits refused (429s).
	rateLimited int
	rss         float64
}

// raidRun pushes n join requests at once into a supergroup in verify mode,
// with latency added to every call and Telegram's limits enforced,
// and while the checks go out has the admins of raidCommands other
// supergroups send a /createlink each in their group, one when a further
// share of the checks has gone out, and waits for each answer before the
// next.
func (e *benchEnv) raidRun(n int, latency time.Duration) (raidOutcome, error) {
	out := raidOutcome{requests: n}
	srv, reports, err := e.fake()
	if err != nil {
		return out, err
	}
	defer srv.Close()
	chats := groups(srv, 1+raidCommands)
	raided, raidAdmin := chats[0], adminBase
	// The other chats' admins have a private chat with the bot, where the
	// answers that show links go.
	for i := range raidCommands {
		srv.StartPrivateChat(adminBase + 1 + int64(i))
	}
	raiders := make([]int64, n)
	isRaider := make(map[string]bool, n)
	for i := range raiders {
		raiders[i] = raidBase + int64(i)
		isRaider[strconv.FormatInt(raiders[i], 10)] = true
		srv.AddUser(bottest.User{ID: raiders[i], FirstName: "Raider " + strconv.Itoa(i)})
	}
	if latency > 0 {
		srv.SetLatency("", latency)
	}
	srv.EnforceRateLimits(bottest.TelegramLimits)

	p, err := e.startBot(srv, filepath.Join(e.tmp, fmt.Sprintf("raid-%d-%v.db", n, latency)))
	if err != nil {
		return out, err
	}
	fail := func(err error) (raidOutcome, error) {
		p.stop(true)
		return out, err
	}
	// The raided chat's admin turns verify on, and sees it done.
	from := len(srv.Calls())
	srv.PushMessage(raided, raidAdmin, "/joinmode verify")
	if err := waitFor("/joinmode's answer", time.Minute, func() bool { return len(sentTo(srv, from, raided)) > 0 }); err != nil {
		return fail(err)
	}

	checks := func() []bottest.Call {
		var got []bottest.Call
		for _, c := range srv.CallsTo("sendMessage") {
			if c.Performed && c.Status == 200 && isRaider[c.Params["chat_id"]] {
				got = append(got, c)
			}
		}
		return got
	}
	start := time.Now()
	for _, u := range raiders {
		srv.PushJoinRequest(raided, u, "")
	}
	for i := range raidCommands {
		// The commands are spread over the raid: the first once its checks
		// are going out, the last before its end.
		due := max(n*(2*i+1)/(2*raidCommands), 1)
		if err := waitFor(fmt.Sprintf("%d checks", due), raidTimeout(n), func() bool { return len(checks()) >= due }); err != nil {
			return fail(err)
		}
		out.at = append(out.at, len(checks()))
		other, otherAdmin := chats[1+i], adminBase+1+int64(i)
		from := len(srv.Calls())
		sent := time.Now()
		srv.PushMessage(other, otherAdmin, "/createlink Partners")
		var private, group []bottest.Call
		err := waitFor("/createlink's answer", time.Minute, func() bool {
			private, group = sentTo(srv, from, otherAdmin), sentTo(srv, from, other)
			return len(private) > 0 && len(group) > 0
		})
		if err != nil {
			return fail(err)
		}
		if !strings.Contains(private[0].Params["text"], "t.me/+") {
			return fail(fmt.Errorf("/createlink answered %q in the admin's private chat, not a link", private[0].Params["text"]))
		}
		last := private[0].At
		if group[0].At.After(last) {
			last = group[0].At
		}
		out.replies = append(out.replies, last.Sub(sent))
	}
	if err := waitFor("a check for every requester", raidTimeout(n), func() bool { return len(checks()) >= n }); err != nil {
		return fail(err)
	}
	sends := checks()
	at := make([]time.Time, len(sends))
	for i, c := range sends {
		at[i] = c.At
	}
	slices.SortFunc(at, func(a, b time.Time) int { return a.Compare(b) })
	out.checked = at[len(at)-1].Sub(start)
	out.mostPerSecond = mostWithin(at, time.Second)
	for _, u := range raiders {
		switch m := len(srv.Messages(u)); m {
		case 1:
			out.checks++
		case 0:
		default:
			return fail(fmt.Errorf("requester %d got %d messages, want one check", u, m))
		}
	}
	out.rateLimited = srv.RateLimited() + srv.TooManyRequests()
	if out.rss, err = p.stop(false); err != nil {
		return out, err
	}
	if len(*reports) > 0 {
		return out, fmt.Errorf("the fake reported: %s", (*reports)[0])
	}
	return out, nil
}

// raidTimeout bounds the wait for n checks: at 30 a second and
// burstLatency each, one at a time, with room to spare.
func raidTimeout(n int) time.Duration {
	return 2*time.Minute + time.Duration(n)*(burstLatency+40*time.Millisecond)
}

// sentTo returns the messages sent into chat, from call index from on,
// that Telegram carried out.
func sentTo(srv *bottest.Server, from int, chat int64) []bottest.Call {
	id := strconv.FormatInt(chat, 10)
	var out []bottest.Call
	for _, c := range callsSince(srv, from, "sendMessage") {
		if c.Performed && c.Status == 200 && c.Params["chat_id"] == id {
			out = append(out, c)
		}
	}
	return out
}

// mostWithin is the most of the sorted times at that fall within any span
// shorter than w.
func mostWithin(at []time.Time, w time.Duration) int {
	most, j := 0, 0
	for i := range at {
		for at[i].Sub(at[j]) >= w {
			j++
		}
		most = max(most, i-j+1)
	}
	return most
}

// raid: n join requests at once in one chat in verify mode, while admins
// of other chats make links: first with burstLatency added to every call,
// as in the burst; then with none, so that the bot's pacing alone holds
// the checks back, against the fake's exact limit of 30 a second.
func (e *benchEnv) raid(n int) ([]result, error) {
	var results []result
	for _, latency := range []time.Duration{burstLatency, 0} {
		fmt.Fprintf(e.log, "   %d join requests in verify mode, %v a call; %d /createlink, each in another chat\n", n, latency, raidCommands)
		o, err := e.raidRun(n, latency)
		if err != nil {
			return nil, fmt.Errorf("%v a call: %w", latency, err)
		}
		results = append(results, o.results(fmt.Sprintf("raid %v", latency), latency)...)
	}
	return results, nil
}

// results are the figures of a raid run with latency a call.
func (o raidOutcome) results(scenario string, latency time.Duration) []result {
	worst := slices.Max(o.replies)
	each := make([]string, len(o.replies))
	for i, r := range o.replies {
		each[i] = fmt.Sprintf("%v (%d)", r.Round(time.Millisecond), o.at[i])
	}
	// The checks go one at a time, each waiting latency for its answer,
	// under the bot's pace of 30 in any 1.2 s.
	bound := max(time.Duration(o.requests)*latency, time.Duration(o.requests)*1200*time.Millisecond/30)
	return []result{
		target(scenario, "join requests, checks sent (one each)", fmt.Sprintf("%d, %d", o.requests, o.checks), "all", o.checks == o.requests),
		target(scenario, fmt.Sprintf("/createlink in other chats: reply after the command, worst of %d", len(o.replies)),
			worst.Round(time.Millisecond).String(), "< "+raidReplyTarget.String(), worst < raidReplyTarget),
		measured(scenario, "/createlink replies (checks out when sent)", strings.Join(each, ", ")),
		measured(scenario, fmt.Sprintf("all %d checks out, from the first request", o.requests),
			fmt.Sprintf("%v (bound %v)", o.checked.Round(time.Millisecond), bound.Round(time.Millisecond))),
		target(scenario, "checks in any one second, most", strconv.Itoa(o.mostPerSecond), "<= 30", o.mostPerSecond <= 30),
		target(scenario, "429s met", strconv.Itoa(o.rateLimited), "0", o.rateLimited == 0),
		measured(scenario, "invitebot peak RSS", fmt.Sprintf("%.1f MiB", o.rss)),
	}
}
