package store

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// The details of the record's entries, as /log shows them, made the same
// way by every store in the transaction of the change.

// detailsTimeLayout is how the record's details show a time, as the
// replies do.
const detailsTimeLayout = "2006-01-02 15:04 UTC"

// LinkDetails are a new link's settings as the record shows them, in the
// commands' words: “NAME” expire=… limit=N request.
func LinkDetails(l Link) string {
	var parts []string
	if l.Name != "" {
		parts = append(parts, "“"+l.Name+"”")
	}
	if !l.ExpiresAt.IsZero() {
		parts = append(parts, "expire="+l.ExpiresAt.UTC().Format(detailsTimeLayout))
	}
	if l.MemberLimit > 0 {
		parts = append(parts, "limit="+strconv.Itoa(l.MemberLimit))
	}
	if l.JoinRequest {
		parts = append(parts, "request")
	}
	if l.Price > 0 {
		parts = append(parts, "price="+strconv.Itoa(l.Price))
	}
	return strings.Join(parts, " ")
}

// EditDetails are what an edit changed, in the commands' words.
func EditDetails(before, after Link) string {
	var parts []string
	if before.Name != after.Name {
		parts = append(parts, "name=“"+after.Name+"”")
	}
	if !before.ExpiresAt.Equal(after.ExpiresAt) {
		if after.ExpiresAt.IsZero() {
			parts = append(parts, "expire=never")
		} else {
			parts = append(parts, "expire="+after.ExpiresAt.UTC().Format(detailsTimeLayout))
		}
	}
	if before.MemberLimit != after.MemberLimit {
		if after.MemberLimit == 0 {
			parts = append(parts, "limit=none")
		} else {
			parts = append(parts, "limit="+strconv.Itoa(after.MemberLimit))
		}
	}
	if before.JoinRequest != after.JoinRequest {
		if after.JoinRequest {
			parts = append(parts, "request")
		} else {
			parts = append(parts, "norequest")
		}
	}
	return strings.Join(parts, " ")
}

// RequesterName names a requester in the record: @username, else the name.
func RequesterName(r JoinRequest) string {
	switch {
	case r.Username != "":
		return "@" + r.Username
	case r.LastName != "":
		return r.FirstName + " " + r.LastName
	}
	return r.FirstName
}

// SettingsDetails are the settings that differ between before and after,
// one "name=value" each, as /log shows them.
func SettingsDetails(before, after ChatSettings) []string {
	var out []string
	if before.Language != after.Language {
		out = append(out, "language="+orDefault(after.Language))
	}
	if before.Replies != after.Replies {
		out = append(out, "replies="+orDefault(string(after.Replies)))
	}
	if before.JoinMode != after.JoinMode || (after.JoinMode == JoinVerify && before.VerifyWait != after.VerifyWait) {
		d := "joinmode=" + orDefault(string(after.JoinMode))
		if after.JoinMode == JoinVerify {
			wait := after.VerifyWait
			if wait <= 0 {
				wait = DefaultVerifyWait
			}
			d += fmt.Sprintf(" %dm", int(wait/time.Minute))
		}
		out = append(out, d)
	}
	switch {
	case before.Rules == after.Rules:
	case after.Rules == "":
		out = append(out, "rules=off")
	default:
		out = append(out, "rules=changed")
	}
	return out
}

func orDefault(s string) string {
	if s == "" {
		return "default"
	}
	return s
}

// EveryText is a schedule's period as /autorotate takes it and the record
// shows it: 1d12h, 2h30m; "off" for none.
func EveryText(d time.Duration) string {
	if d <= 0 {
		return "off"
	}
	var b strings.Builder
	for _, u := range []struct {
		d    time.Duration
		unit string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}} {
		if n := d / u.d; n > 0 {
			fmt.Fprintf(&b, "%d%s", n, u.unit)
			d -= n * u.d
		}
	}
	return b.String()
}
