package handlers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/handlers/text"
	"github.com/invitebot/invitebot/store"
)

// The links of the group that the link tests start from.
const (
	urlPrimary  = "https://t.me/+SeedPrimary"
	urlPartners = "https://t.me/+SeedPartners"
	urlClub     = "https://t.me/+SeedClub"
	urlOld      = "https://t.me/+SeedOld"
	urlTwinA    = "https://t.me/+SeedTwinA"
	urlTwinB    = "https://t.me/+SeedTwinB"
	urlExpired  = "https://t.me/+SeedExpired"
)

var (
	tWeek    = tNow.Add(7 * 24 * time.Hour) // expire=7d
	tRevoked = tNow.Add(-time.Hour)         // when #4 was revoked
	tCommand = strconv.FormatInt(tGroup, 10) + ":" + strconv.Itoa(tMsgID)
)

// seedLinks gives the group #1 primary, #2 Partners (expires in a week,
// limit 50), #3 Club (join requests), #4 Old (revoked), #5 Twin and #6
// twin, #7 Expired.
func seedLinks(e *env) {
	e.seed(store.Link{URL: urlPrimary, Primary: true})
	e.seed(store.Link{URL: urlPartners, Name: "Partners", ExpiresAt: tWeek, MemberLimit: 50})
	e.seed(store.Link{URL: urlClub, Name: "Club", JoinRequest: true})
	e.seed(store.Link{URL: urlOld, Name: "Old", RevokedAt: tRevoked, RevokedBy: tAdmin})
	e.seed(store.Link{URL: urlTwinA, Name: "Twin"})
	e.seed(store.Link{URL: urlTwinB, Name: "twin"})
	e.seed(store.Link{URL: urlExpired, Name: "Expired", ExpiresAt: tNow.Add(-time.Minute)})
}

func TestRefreshLink(t *testing.T) {
	newURL := "https://t.me/+Primary0001"
	for _, tc := range []struct {
		name  string
		setup func(e *env)
		u     *bot.Update
		check func(t *testing.T, e *env, err error)
	}{
		{"the first primary link", nil, groupCommand("refreshlink", ""), func(t *testing.T, e *env, err error) {
			if err != nil {
				t.Fatal(err)
			}
			wantCalls(t, e.tg, line("ExportLink", tGroup), line("Send", tGroup, "reply=10 buttons=0"))
			l := e.st.get(t, tGroup, 1)
			if l.URL != newURL || !l.Primary || l.CreatedBy != tAdmin || !l.CreatedAt.Equal(tNow) || l.Request != tCommand {
				t.Errorf("stored %+v", l)
			}
			got := reply(t, e.tg, tGroup)
			wantContains(t, got, "New primary link:", "#1 "+newURL+" (primary)", "Primary links made by other admins still work")
			wantLacks(t, got, "previous")
		}},
		{"the previous primary link is said to be gone", seedLinks, groupCommand("refreshlink", ""), func(t *testing.T, e *env, err error) {
			if err != nil {
				t.Fatal(err)
			}
			wantCalls(t, e.tg, line("ExportLink", tGroup), line("Send", tGroup, "reply=10 buttons=0"))
			if old := e.st.get(t, tGroup, 1); !old.RevokedAt.Equal(tNow) || old.RevokedBy != tAdmin {
				t.Errorf("the previous primary link is %+v, want revoked by the admin now", old)
			}
			if l := e.st.get(t, tGroup, 8); l.URL != newURL || !l.Primary {
				t.Errorf("the new primary link is %+v", l)
			}
			wantContains(t, reply(t, e.tg, tGroup), "#8 "+newURL, "The previous primary link I made, #1, no longer works.")
		}},
		{"from a private chat: made in the group, answered in private", nil, privateCommand("refreshlink", ""), func(t *testing.T, e *env, err error) {
			if err != nil {
				t.Fatal(err)
			}
			wantCalls(t, e.tg, line("ExportLink", tGroup), line("Send", tAdmin, "reply=10 buttons=0"))
			wantContains(t, reply(t, e.tg, tAdmin), newURL)
		}},
		{"arguments are a mistake", nil, groupCommand("refreshlink", "now"), func(t *testing.T, e *env, err error) {
			wantTextErr(t, err, text.Invalid, "refresh.no_args", "takes no arguments")
			wantCalls(t, e.tg)
			if w := e.st.writes(); len(w) > 0 {
				t.Errorf("store writes %v", w)
			}
		}},
		{"no rights", func(e *env) { e.tg.failNext("ExportLink", errNoRights) }, groupCommand("refreshlink", ""), func(t *testing.T, e *env, err error) {
			wantTextErr(t, err, text.Forbidden, "telegram.no_right", "in this chat", "@"+tBotName)
			wantCalls(t, e.tg, line("ExportLink", tGroup))
			if w := e.st.writes(); len(w) > 0 {
				t.Errorf("store writes %v", w)
			}
		}},
		{"unsure", func(e *env) { e.tg.failNext("ExportLink", errUnsure) }, groupCommand("refreshlink", ""), func(t *testing.T, e *env, err error) {
			wantTextErr(t, err, text.Unavailable, "telegram.unsure", "did not confirm")
			wantCalls(t, e.tg, line("ExportLink", tGroup))
		}},
		{"a replayed command answers with its link", func(e *env) {
			e.seed(store.Link{URL: urlPrimary, Primary: true, Request: tCommand})
		}, replayed(groupCommand("refreshlink", "")), func(t *testing.T, e *env, err error) {
			if err != nil {
				t.Fatal(err)
			}
			wantCalls(t, e.tg, line("Send", tGroup, "reply=10 buttons=0"))
			wantContains(t, reply(t, e.tg, tGroup), "New primary link:", "#1 "+urlPrimary)
			if w := e.st.writes(); len(w) > 0 {
				t.Errorf("store writes %v", w)
			}
		}},
		{"a replayed command without a link asks again", nil, replayed(groupCommand("refreshlink", "")), func(t *testing.T, e *env, err error) {
			if err != nil {
				t.Fatal(err)
			}
			wantCalls(t, e.tg, line("ExportLink", tGroup), line("Send", tGroup, "reply=10 buttons=0"))
		}},
		{"a store failure is a failure", func(e *env) { e.st.failNext("AddLink", errDisk) }, groupCommand("refreshlink", ""), func(t *testing.T, e *env, err error) {
			wantFailure(t, err)
			if !errors.Is(err, errDisk) {
				t.Errorf("err = %v, want it to wrap the store's", err)
			}
			wantCalls(t, e.tg, line("ExportLink", tGroup))
		}},
		{"no access check is a failure", nil, unchecked(groupCommand("refreshlink", "")), func(t *testing.T, e *env, err error) {
			wantFailure(t, err)
			wantCalls(t, e.tg)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			if tc.setup != nil {
				tc.setup(e)
			}
			err := e.links().RefreshLink(context.Background(), tc.u)
			tc.check(t, e, err)
			if len(e.repeats) > 0 {
				t.Errorf("repeats counted: %v", e.repeats)
			}
		})
	}
}

func TestCreateLinkOptions(t *testing.T) {
	for _, tc := range []struct {
		name, args string
		spec       bot.LinkSpec
		words      []string // in the reply
	}{
		{"no options", "", bot.LinkSpec{}, []string{"name: —", "expires: never", "limit: none", "approval: no"}},
		{"a name", "Partners", bot.LinkSpec{Name: "Partners"}, []string{"name: “Partners”"}},
		{"a name with name=", "name=Summer sale", bot.LinkSpec{Name: "Summer sale"}, []string{"name: “Summer sale”"}},
		{"expire as a duration", "expire=7d", bot.LinkSpec{ExpiresAt: tWeek}, []string{"expires: 2026-11-29 12:00 UTC"}},
		{"expire as a date", "expire=2026-12-31T18:00", bot.LinkSpec{ExpiresAt: time.Date(2026, 12, 31, 18, 0, 0, 0, time.UTC)}, []string{"expires: 2026-12-31 18:00 UTC"}},
		{"a member limit", "limit=50", bot.LinkSpec{MemberLimit: 50}, []string{"limit: 50"}},
		{"join requests", "request", bot.LinkSpec{JoinRequest: true}, []string{"approval: yes"}},
		{"everything", "Big partners expire=1d12h limit=99999", bot.LinkSpec{Name: "Big partners", ExpiresAt: tNow.Add(36 * time.Hour), MemberLimit: 99999},
			[]string{"name: “Big partners”", "expires: 2026-11-24 00:00 UTC", "limit: 99999"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			url := "https://t.me/+Link0001"
			if err := e.links().CreateLink(context.Background(), groupCommand("createlink", tc.args)); err != nil {
				t.Fatal(err)
			}
			wantCalls(t, e.tg, line("CreateLink", tGroup, specText(tc.spec)), line("Send", tGroup, "reply=10 buttons=0"))
			want := store.Link{ChatID: tGroup, Number: 1, URL: url, Name: tc.spec.Name, ExpiresAt: tc.spec.ExpiresAt,
				MemberLimit: tc.spec.MemberLimit, JoinRequest: tc.spec.JoinRequest, CreatedBy: tAdmin, CreatedAt: tNow, Request: tCommand}
			if got := e.st.get(t, tGroup, 1); got != want {
				t.Errorf("stored\n\t%+v\nwant\n\t%+v", got, want)
			}
			got := reply(t, e.tg, tGroup)
			wantContains(t, got, append([]string{"New link:", "#1 " + url, "joins: 0", "active"}, tc.words...)...)
			if len(e.repeats) > 0 {
				t.Errorf("repeats counted for a first run: %v", e.repeats)
			}
		})
	}
}

func TestCreateLinkEscapesTheName(t *testing.T) {
	e := newEnv()
	if err := e.links().CreateLink(context.Background(), groupCommand("createlink", "<b>Fans</b> & co")); err != nil {
		t.Fatal(err)
	}
	m := e.tg.messages()
	if len(m) != 1 {
		t.Fatalf("%d messages", len(m))
	}
	wantContains(t, m[0].Text, "“&lt;b&gt;Fans&lt;/b&gt; &amp; co”")
	wantLacks(t, m[0].Text, "<b>Fans")
}

func TestCreateLinkMistakes(t *testing.T) {
	for _, tc := range []struct {
		args, id, word string
	}{
		{"limit=0", "args.limit", "limit must be a whole number"},
		{"limit=100000", "args.limit", "1 to 99999"},
		{"limit=50 request", "args.limit_request", "can't be combined"},
		{"expire=2020-01-01", "args.when_past", "in the past"},
		{"expire=soon", "args.when_invalid", "expire=soon"},
		{"colour=red", "args.unknown_option_create", "colour=red"},
		{"limit=5 limit=6", "args.option_twice", "limit is given twice"},
		{"expire=", "args.option_value", "expire= needs a value"},
		{"This name is far too long for any invite link", "args.name_long", "at most 32"},
		{"Partners name=Other", "args.name_twice", "both as plain words"},
	} {
		t.Run(tc.args, func(t *testing.T) {
			e := newEnv()
			err := e.links().CreateLink(context.Background(), groupCommand("createlink", tc.args))
			wantTextErr(t, err, text.Invalid, tc.id, tc.word)
			wantCalls(t, e.tg)
			if w := e.st.writes(); len(w) > 0 {
				t.Errorf("store writes %v", w)
			}
		})
	}
}

func TestCreateLinkRefusals(t *testing.T) {
	made := line("CreateLink", tGroup, `name="Partners" expire=never limit=0 request=false`)
	for _, tc := range []struct {
		name  string
		fail  error
		u     *bot.Update
		code  text.Code
		id    string
		words []string
	}{
		{"no rights", errNoRights, groupCommand("createlink", "Partners"), text.Forbidden, "telegram.no_right",
			[]string{"“Invite users via link” admin right in this chat", "@" + tBotName}},
		{"no rights, from a private chat, names the chat", errNoRights, privateCommand("createlink", "Partners"), text.Forbidden, "telegram.no_right",
			[]string{"right in Fans & Friends"}},
		{"the chat is not found", errChatNotFound, groupCommand("createlink", "Partners"), text.Forbidden, "telegram.no_right", nil},
		{"unsure", errUnsure, groupCommand("createlink", "Partners"), text.Unavailable, "telegram.unsure", []string{"can't tell whether it went through"}},
		{"refused", errRefused, groupCommand("createlink", "Partners"), text.Unavailable, "telegram.refused", []string{"nothing was changed"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			e.tg.failNext("CreateLink", tc.fail)
			err := e.links().CreateLink(context.Background(), tc.u)
			wantTextErr(t, err, tc.code, tc.id, tc.words...)
			wantCalls(t, e.tg, made)
			if w := e.st.writes(); len(w) > 0 {
				t.Errorf("store writes %v", w)
			}
		})
	}
	t.Run("another error is a failure", func(t *testing.T) {
		e := newEnv()
		e.tg.failNext("CreateLink", errNetwork)
		err := e.links().CreateLink(context.Background(), groupCommand("createlink", "Partners"))
		wantFailure(t, err)
		if !errors.Is(err, errNetwork) {
			t.Errorf("err = %v, want Telegram's", err)
		}
		wantCalls(t, e.tg, made)
	})
}

func TestCreateLinkStoreFailure(t *testing.T) {
	made := line("CreateLink", tGroup, `name="Partners" expire=never limit=0 request=false`)
	revoke := line("RevokeLink", tGroup, "https://t.me/+Link0001")
	for _, tc := range []struct {
		name       string
		revokeFail error
		revoked    bool // Telegram's link revoked at the end
	}{
		{"the link made is revoked again", nil, true},
		{"a failed revocation is told too", errNetwork, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			e.st.failNext("AddLink", errDisk)
			if tc.revokeFail != nil {
				e.tg.failNext("RevokeLink", tc.revokeFail)
			}
			err := e.links().CreateLink(context.Background(), groupCommand("createlink", "Partners"))
			wantFailure(t, err)
			if !errors.Is(err, errDisk) {
				t.Errorf("err = %v, want the store's", err)
			}
			if tc.revokeFail != nil && !strings.Contains(err.Error(), tc.revokeFail.Error()) {
				t.Errorf("err = %v; it does not tell the revocation's failure", err)
			}
			wantCalls(t, e.tg, made, revoke)
			if l, _ := e.tg.link("https://t.me/+Link0001"); l.Revoked != tc.revoked {
				t.Errorf("Telegram's link revoked = %v, want %v", l.Revoked, tc.revoked)
			}
			if n := len(e.st.allLinks()); n != 0 {
				t.Errorf("%d links stored", n)
			}
		})
	}
}

func TestCreateLinkReplayed(t *testing.T) {
	made := line("CreateLink", tGroup, `name="Partners" expire=never limit=0 request=false`)
	sent := line("Send", tGroup, "reply=10 buttons=0")
	for _, tc := range []struct {
		name    string
		setup   func(e *env)
		u       *bot.Update
		calls   []string
		repeats []string
		url     string // in the reply; "" for no reply
		fail    bool
	}{
		{"its stored link is the answer", func(e *env) {
			e.seed(store.Link{URL: urlPartners, Name: "Partners", Request: tCommand})
		}, replayed(groupCommand("createlink", "Partners")), []string{sent}, nil, urlPartners, false},
		{"another command's link is not", func(e *env) {
			e.seed(store.Link{URL: urlPartners, Name: "Partners", Request: tCommand + "1"})
		}, replayed(groupCommand("createlink", "Partners")), []string{made, sent}, []string{"createChatInviteLink"}, "https://t.me/+Link0001", false},
		{"without a stored link it asks again and counts the repeat", nil,
			replayed(groupCommand("createlink", "Partners")), []string{made, sent}, []string{"createChatInviteLink"}, "https://t.me/+Link0001", false},
		{"a first run counts no repeat, even if a link has its key", func(e *env) {
			e.seed(store.Link{URL: urlPartners, Name: "Partners", Request: "elsewhere"})
		}, groupCommand("createlink", "Partners"), []string{made, sent}, nil, "https://t.me/+Link0001", false},
		{"a store failure when looking is a failure", func(e *env) {
			e.st.failNext("LinkByRequest", errDisk)
		}, replayed(groupCommand("createlink", "Partners")), nil, nil, "", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			if tc.setup != nil {
				tc.setup(e)
			}
			err := e.links().CreateLink(context.Background(), tc.u)
			if tc.fail {
				wantFailure(t, err)
			} else if err != nil {
				t.Fatal(err)
			}
			wantCalls(t, e.tg, tc.calls...)
			if !slices.Equal(e.repeats, tc.repeats) {
				t.Errorf("repeats counted: %v, want %v", e.repeats, tc.repeats)
			}
			if tc.url != "" {
				wantContains(t, reply(t, e.tg, tGroup), "New link:", tc.url)
			}
		})
	}
}

func TestCreateLinkWithoutAccessCheck(t *testing.T) {
	e := newEnv()
	wantFailure(t, e.links().CreateLink(context.Background(), unchecked(groupCommand("createlink", "Partners"))))
	wantCalls(t, e.tg)
}

func TestEditLink(t *testing.T) {
	sent := line("Send", tGroup, "reply=10 buttons=0")
	for _, tc := range []struct {
		name, args string
		spec       string   // what Telegram is sent, all of it
		words      []string // in the reply
		want       func(l store.Link) bool
	}{
		{"a new limit keeps the rest", "#2 limit=100", `name="Partners" expire=2026-11-29T12:00 limit=100 request=false`,
			[]string{"Edited:", "#2 " + urlPartners, "name: “Partners”", "expires: 2026-11-29 12:00 UTC", "limit: 100"},
			func(l store.Link) bool {
				return l.MemberLimit == 100 && l.Name == "Partners" && l.ExpiresAt.Equal(tWeek)
			}},
		{"a new name keeps the rest", "#2 name=Big partners", `name="Big partners" expire=2026-11-29T12:00 limit=50 request=false`,
			[]string{"name: “Big partners”", "limit: 50"},
			func(l store.Link) bool { return l.Name == "Big partners" && l.MemberLimit == 50 }},
		{"expire=never clears the expiry only", "#2 expire=never", `name="Partners" expire=never limit=50 request=false`,
			[]string{"expires: never", "limit: 50"},
			func(l store.Link) bool { return l.ExpiresAt.IsZero() && l.MemberLimit == 50 }},
		{"limit=none with request", "#2 limit=none request", `name="Partners" expire=2026-11-29T12:00 limit=0 request=true`,
			[]string{"limit: none", "approval: yes"},
			func(l store.Link) bool { return l.MemberLimit == 0 && l.JoinRequest }},
		{"norequest with a limit", "#3 norequest limit=10", `name="Club" expire=never limit=10 request=false`,
			[]string{"#3 " + urlClub, "limit: 10", "approval: no"},
			func(l store.Link) bool { return l.MemberLimit == 10 && !l.JoinRequest && l.Name == "Club" }},
		{"by URL", urlPartners + " limit=5", `name="Partners" expire=2026-11-29T12:00 limit=5 request=false`, []string{"limit: 5"},
			func(l store.Link) bool { return l.MemberLimit == 5 }},
		{"by name, ignoring case", "partners limit=5", `name="Partners" expire=2026-11-29T12:00 limit=5 request=false`, []string{"limit: 5"},
			func(l store.Link) bool { return l.MemberLimit == 5 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			seedLinks(e)
			if err := e.links().EditLink(context.Background(), groupCommand("editlink", tc.args)); err != nil {
				t.Fatal(err)
			}
			n := int64(2)
			url := urlPartners
			if strings.HasPrefix(tc.args, "#3") {
				n, url = 3, urlClub
			}
			wantCalls(t, e.tg, line("EditLink", tGroup, url, tc.spec), sent)
			l := e.st.get(t, tGroup, n)
			if !tc.want(l) || l.EditedBy != tAdmin || !l.EditedAt.Equal(tNow) {
				t.Errorf("stored %+v", l)
			}
			wantContains(t, reply(t, e.tg, tGroup), tc.words...)
		})
	}
}

func TestEditLinkRefused(t *testing.T) {
	for _, tc := range []struct {
		name, args string
		code       text.Code
		id         string
		words      []string
	}{
		{"a limit on a link that needs approval", "#3 limit=10", text.Invalid, "edit.request_limit",
			[]string{"#3 needs approval to join", "add norequest", "/editlink #3 norequest limit=10"}},
		{"approval on a link with a limit", "#2 request", text.Invalid, "edit.limit_request",
			[]string{"#2 has a member limit of 50", "add limit=none", "/editlink #2 request limit=none"}},
		{"the primary link", "#1 name=Main", text.Invalid, "edit.primary", []string{"#1 is the chat's primary link", "/refreshlink"}},
		{"a revoked link", "#4 name=New", text.Conflict, "link.revoked_already", []string{"#4 is revoked already"}},
		{"no such number", "#9 limit=5", text.NotFound, "link.no_number", []string{"no link #9 of mine in this chat"}},
		{"a URL the bot did not make", "https://t.me/+SomeoneElse limit=5", text.NotFound, "link.not_mine", []string{"I didn't make that link in this chat"}},
		{"no such name", "Nobody limit=5", text.NotFound, "link.no_name", []string{"no link named “Nobody” in this chat"}},
		{"nothing to change", "#2", text.Invalid, "args.nothing_to_change", []string{"Say what to change about #2"}},
		{"a bad limit", "#2 limit=0", text.Invalid, "args.limit_edit", []string{"or none"}},
		{"no link", "", text.Invalid, "args.ref_missing_edit", []string{"Say which link to edit"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			seedLinks(e)
			before := e.st.allLinks()
			err := e.links().EditLink(context.Background(), groupCommand("editlink", tc.args))
			wantTextErr(t, err, tc.code, tc.id, tc.words...)
			wantCalls(t, e.tg)
			if after := e.st.allLinks(); !slices.Equal(before, after) {
				t.Errorf("the store changed")
			}
		})
	}
}

func TestEditLinkAmbiguousName(t *testing.T) {
	e := newEnv()
	seedLinks(e)
	err := e.links().EditLink(context.Background(), groupCommand("editlink", "TWIN limit=5"))
	te := wantTextErr(t, err, text.Conflict, "link.ambiguous",
		"Several links are named “TWIN”", "#5 “Twin” "+urlTwinA, "#6 “twin” "+urlTwinB, "/editlink #5")
	if !te.Private {
		t.Errorf("the answer shows URLs but is not private")
	}
	wantCalls(t, e.tg)
}

func TestEditLinkTelegramRefusals(t *testing.T) {
	for _, tc := range []struct {
		name    string
		setup   func(e *env)
		code    text.Code
		id      string
		revoked bool // #2 marked revoked
	}{
		{"gone: marked revoked", func(e *env) { e.tg.failNext("EditLink", errLinkGone) }, text.Conflict, "link.gone", true},
		{"gone because revoked in the chat's settings", func(e *env) {
			e.tg.know(tGroup, bot.InviteLink{URL: urlPartners, Revoked: true})
		}, text.Conflict, "link.gone", true},
		{"no rights", func(e *env) { e.tg.failNext("EditLink", errNoRights) }, text.Forbidden, "telegram.no_right", false},
		{"unsure", func(e *env) { e.tg.failNext("EditLink", errUnsure) }, text.Unavailable, "telegram.unsure", false},
		{"refused", func(e *env) { e.tg.failNext("EditLink", errRefused) }, text.Unavailable, "telegram.refused", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			seedLinks(e)
			tc.setup(e)
			err := e.links().EditLink(context.Background(), groupCommand("editlink", "#2 limit=100"))
			te := wantTextErr(t, err, tc.code, tc.id)
			if tc.id == "link.gone" {
				wantContains(t, catalog.Default().Plain(te.Msg), "Telegram says #2 no longer exists", "marked it revoked")
			}
			wantCalls(t, e.tg, line("EditLink", tGroup, urlPartners, `name="Partners" expire=2026-11-29T12:00 limit=100 request=false`))
			l := e.st.get(t, tGroup, 2)
			if revoked := !l.RevokedAt.IsZero(); revoked != tc.revoked {
				t.Errorf("#2 revoked = %v, want %v", revoked, tc.revoked)
			}
			if tc.revoked && (l.RevokedBy != tAdmin || !l.RevokedAt.Equal(tNow)) {
				t.Errorf("#2 revoked by %d at %v", l.RevokedBy, l.RevokedAt)
			}
			if l.MemberLimit != 50 || !l.EditedAt.IsZero() {
				t.Errorf("#2 edited in the store: %+v", l)
			}
		})
	}
}

func TestEditLinkStoreFailures(t *testing.T) {
	for _, tc := range []struct {
		name   string
		setup  func(e *env)
		method string
	}{
		{"storing the edit", nil, "EditLink"},
		{"marking a gone link revoked", func(e *env) { e.tg.failNext("EditLink", errLinkGone) }, "RevokeLink"},
		{"finding the link", nil, "Link"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			seedLinks(e)
			if tc.setup != nil {
				tc.setup(e)
			}
			e.st.failNext(tc.method, errDisk)
			err := e.links().EditLink(context.Background(), groupCommand("editlink", "#2 limit=100"))
			wantFailure(t, err)
			if !errors.Is(err, errDisk) {
				t.Errorf("err = %v, want the store's", err)
			}
			if len(e.tg.messages()) > 0 {
				t.Errorf("a reply was sent")
			}
		})
	}
}

func TestRevokeLink(t *testing.T) {
	for _, tc := range []struct {
		name, args string
		n          int64
		url        string
	}{
		{"by number", "#2", 2, urlPartners},
		{"by URL", urlClub, 3, urlClub},
		{"by name", "partners", 2, urlPartners},
		{"an expired link", "#7", 7, urlExpired},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			seedLinks(e)
			if err := e.links().RevokeLink(context.Background(), groupCommand("revokelink", tc.args)); err != nil {
				t.Fatal(err)
			}
			wantCalls(t, e.tg, line("RevokeLink", tGroup, tc.url), line("Send", tGroup, "reply=10 buttons=0"))
			if l := e.st.get(t, tGroup, tc.n); l.RevokedBy != tAdmin || !l.RevokedAt.Equal(tNow) {
				t.Errorf("stored %+v, want revoked by the admin now", l)
			}
			if l, _ := e.tg.link(tc.url); !l.Revoked {
				t.Errorf("Telegram's link is not revoked")
			}
			got := reply(t, e.tg, tGroup)
			wantContains(t, got, "Revoked; it no longer works:", fmt.Sprintf("#%d %s", tc.n, tc.url), "revoked")
		})
	}
}

func TestRevokeLinkRefused(t *testing.T) {
	for _, tc := range []struct {
		name, args string
		fail       error // from Telegram's revokeChatInviteLink
		code       text.Code
		id         string
		words      []string
		revoked    bool // #2 marked revoked
	}{
		{"the primary link", "#1", nil, text.Invalid, "revoke.primary", []string{"can't be revoked", "/refreshlink"}, false},
		{"a revoked link", "#4", nil, text.Conflict, "link.revoked_already", []string{"#4 is revoked already"}, false},
		{"no link", "", nil, text.Invalid, "args.ref_missing_revoke", []string{"Say which link to revoke"}, false},
		{"two links", "#2 #3", nil, text.Invalid, "args.ref_then_words", []string{"Give one link"}, false},
		{"no such number", "#9", nil, text.NotFound, "link.no_number", []string{"no link #9"}, false},
		{"gone: marked revoked", "#2", errLinkGone, text.Conflict, "link.gone", []string{"Telegram says #2 no longer exists"}, true},
		{"no rights", "#2", errNoRights, text.Forbidden, "telegram.no_right", []string{"in this chat"}, false},
		{"unsure", "#2", errUnsure, text.Unavailable, "telegram.unsure", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			seedLinks(e)
			if tc.fail != nil {
				e.tg.failNext("RevokeLink", tc.fail)
			}
			before := e.st.get(t, tGroup, 4)
			err := e.links().RevokeLink(context.Background(), groupCommand("revokelink", tc.args))
			wantTextErr(t, err, tc.code, tc.id, tc.words...)
			if tc.fail != nil {
				wantCalls(t, e.tg, line("RevokeLink", tGroup, urlPartners))
			} else {
				wantCalls(t, e.tg)
			}
			if l := e.st.get(t, tGroup, 2); !l.RevokedAt.IsZero() != tc.revoked {
				t.Errorf("#2 revoked at %v, want revoked %v", l.RevokedAt, tc.revoked)
			}
			if l := e.st.get(t, tGroup, 1); !l.RevokedAt.IsZero() {
				t.Errorf("the primary link was revoked")
			}
			if after := e.st.get(t, tGroup, 4); after != before {
				t.Errorf("#4 changed: %+v", after)
			}
		})
	}
	t.Run("a store failure after Telegram revoked it is a failure", func(t *testing.T) {
		e := newEnv()
		seedLinks(e)
		e.st.failNext("RevokeLink", errDisk)
		err := e.links().RevokeLink(context.Background(), groupCommand("revokelink", "#2"))
		wantFailure(t, err)
		wantCalls(t, e.tg, line("RevokeLink", tGroup, urlPartners))
	})
}

// entryNumbers are the #N of the link entries of a list page, in order.
var entryNumber = regexp.MustCompile(`(?m)^#([0-9]+) `)

func entryNumbers(page string) []int64 {
	var out []int64
	for _, m := range entryNumber.FindAllStringSubmatch(plain(page), -1) {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		out = append(out, n)
	}
	return out
}

// buttonTexts are the buttons of a page, each as "TEXT=DATA", and fails t
// if a row holds more than 3.
func buttonTexts(t *testing.T, rows [][]bot.Button) []string {
	t.Helper()
	var out []string
	for _, r := range rows {
		if len(r) > 3 {
			t.Errorf("a row of %d buttons", len(r))
		}
		for _, b := range r {
			out = append(out, b.Text+"="+b.Data)
		}
	}
	return out
}

func revokeButton(n int64) string {
	return fmt.Sprintf("Revoke #%d=lk:r:%d:%d", n, tGroup, n)
}

func TestLinksList(t *testing.T) {
	for _, tc := range []struct {
		name    string
		seed    func(e *env)
		u       *bot.Update
		to      int64   // the chat the list goes to
		shown   []int64 // the links listed
		buttons []string
		words   []string
		lacks   []string
	}{
		{"active links, Revoke buttons for the others than the primary", seedLinks, groupCommand("links", ""), tGroup,
			[]int64{1, 2, 3, 5, 6}, []string{revokeButton(2), revokeButton(3), revokeButton(5), revokeButton(6)},
			[]string{"Active links in Fans & Friends:", "#1 " + urlPrimary + " (primary)", "#2 " + urlPartners, "limit: 50"},
			[]string{urlOld, urlExpired, "(page"}},
		{"all links, with buttons for the active ones", seedLinks, groupCommand("links", "ALL"), tGroup,
			[]int64{1, 2, 3, 4, 5, 6, 7}, []string{revokeButton(2), revokeButton(3), revokeButton(5), revokeButton(6)},
			[]string{"All links in Fans & Friends:", "#4 " + urlOld, "· revoked", "#7 " + urlExpired, "· expired"}, nil},
		{"from a private chat, to the private chat", seedLinks, privateCommand("links", ""), tAdmin,
			[]int64{1, 2, 3, 5, 6}, []string{revokeButton(2), revokeButton(3), revokeButton(5), revokeButton(6)},
			[]string{"Active links in Fans & Friends:"}, nil},
		{"none active", func(e *env) {
			e.seed(store.Link{URL: urlOld, RevokedAt: tRevoked})
		}, groupCommand("links", ""), tGroup, nil, nil,
			[]string{"I have no active links in this chat.", "/links all"}, nil},
		{"none at all", nil, groupCommand("links", "all"), tGroup, nil, nil,
			[]string{"I haven't made any links in this chat yet."}, nil},
		{"none at all, from a private chat, names the chat", nil, privateCommand("links", "all"), tAdmin, nil, nil,
			[]string{"any links in Fans & Friends yet"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			if tc.seed != nil {
				tc.seed(e)
			}
			if err := e.links().List(context.Background(), tc.u); err != nil {
				t.Fatal(err)
			}
			wantCalls(t, e.tg, line("Send", tc.to, fmt.Sprintf("reply=10 buttons=%d", len(tc.buttons))))
			m := e.tg.messages()[0]
			if got := entryNumbers(m.Text); !slices.Equal(got, tc.shown) {
				t.Errorf("links listed %v, want %v", got, tc.shown)
			}
			if got := buttonTexts(t, m.Buttons); !slices.Equal(got, tc.buttons) {
				t.Errorf("buttons %v, want %v", got, tc.buttons)
			}
			wantContains(t, plain(m.Text), tc.words...)
			wantLacks(t, plain(m.Text), tc.lacks...)
		})
	}
}

func TestLinksListPages(t *testing.T) {
	e := newEnv()
	e.seed(store.Link{URL: urlPrimary, Primary: true})
	for i := 2; i <= 71; i++ {
		l := store.Link{URL: fmt.Sprintf("https://t.me/+Many%03d", i), Name: fmt.Sprintf("Link %d", i)}
		if i == 40 {
			l.RevokedAt = tRevoked // not listed
		}
		e.seed(l)
	}
	if err := e.links().List(context.Background(), groupCommand("links", "")); err != nil {
		t.Fatal(err)
	}
	// 70 active links: 30, 30 and 10 a page; the primary #1 has no button.
	wantCalls(t, e.tg, line("Send", tGroup, "reply=10 buttons=29"), line("Send", tGroup, "reply=0 buttons=30"),
		line("Send", tGroup, "reply=0 buttons=10"))
	var listed []int64
	for i, m := range e.tg.messages() {
		wantContains(t, plain(m.Text), fmt.Sprintf("Active links in Fans & Friends: (page %d/3)", i+1))
		shown := entryNumbers(m.Text)
		if len(shown) > maxButtonEntries {
			t.Errorf("page %d lists %d links", i+1, len(shown))
		}
		var want []string
		for _, n := range shown {
			if n != 1 {
				want = append(want, revokeButton(n))
			}
		}
		if got := buttonTexts(t, m.Buttons); !slices.Equal(got, want) {
			t.Errorf("page %d: buttons %v, want those of its links %v", i+1, got, want)
		}
		listed = append(listed, shown...)
	}
	var want []int64
	for n := int64(1); n <= 71; n++ {
		if n != 40 {
			want = append(want, n)
		}
	}
	if !slices.Equal(listed, want) {
		t.Errorf("listed %v, want %v", listed, want)
	}
}

func TestLinksListMistakes(t *testing.T) {
	e := newEnv()
	seedLinks(e)
	err := e.links().List(context.Background(), groupCommand("links", "everything"))
	wantTextErr(t, err, text.Invalid, "links.usage", "/links all")
	wantCalls(t, e.tg)

	e = newEnv()
	e.st.failNext("ListLinks", errDisk)
	err = e.links().List(context.Background(), groupCommand("links", ""))
	wantFailure(t, err)
	wantCalls(t, e.tg)
}

// listButtons are the buttons of a /links message with #2, #3 and #4.
func listButtons() [][]bot.Button {
	return [][]bot.Button{{
		{Text: "Revoke #2", Data: callbackData(LinkButtons, "r", tGroup, 2)},
		{Text: "Revoke #3", Data: callbackData(LinkButtons, "r", tGroup, 3)},
		{Text: "Revoke #4", Data: callbackData(LinkButtons, "r", tGroup, 4)},
	}}
}

func TestRevokeButton(t *testing.T) {
	marked := func(n int64) [][]bot.Button {
		rows := listButtons()
		rows[0][n-2].Text = fmt.Sprintf("#%d revoked ✓", n)
		return rows
	}
	editAndAnswer := []string{line("EditButtons", tGroup, tListID), line("AnswerButton", tQueryID, "alert=false")}
	for _, tc := range []struct {
		name    string
		setup   func(e *env)
		n       int64
		calls   []string
		answer  string
		revoked bool
		warned  bool // the log warns that the buttons stayed
	}{
		{"revokes the link and marks its button", nil, 2,
			append([]string{line("RevokeLink", tGroup, urlPartners)}, editAndAnswer...), "Revoked #2; it no longer works.", true, false},
		{"a revoked link is not revoked again", nil, 4, editAndAnswer, "#4 is revoked already.", true, false},
		{"gone: marked revoked", func(e *env) { e.tg.failNext("RevokeLink", errLinkGone) }, 2,
			append([]string{line("RevokeLink", tGroup, urlPartners)}, editAndAnswer...), "Telegram says #2 no longer exists", true, false},
		{"a button that cannot be marked still answers, with a warning", func(e *env) { e.tg.failNext("EditButtons", errNetwork) }, 2,
			append([]string{line("RevokeLink", tGroup, urlPartners)}, editAndAnswer...), "Revoked #2", true, true},
		{"a message that is gone still answers, without a warning", func(e *env) { e.tg.failNext("EditButtons", errMessageGone) }, 2,
			append([]string{line("RevokeLink", tGroup, urlPartners)}, editAndAnswer...), "Revoked #2", true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			seedLinks(e)
			if tc.setup != nil {
				tc.setup(e)
			}
			before := e.st.get(t, tGroup, tc.n)
			var log bytes.Buffer
			ctx := zerolog.New(&log).WithContext(context.Background())
			err := e.links().RevokeButton(ctx, press(callbackData(LinkButtons, "r", tGroup, tc.n), listButtons()))
			if err != nil {
				t.Fatal(err)
			}
			if warned := strings.Contains(log.String(), "could not update the buttons"); warned != tc.warned {
				t.Errorf("warned = %v, want %v; the log:\n%s", warned, tc.warned, log.String())
			}
			wantCalls(t, e.tg, tc.calls...)
			a := e.tg.pressAnswers()
			if len(a) != 1 || a[0].query != tQueryID || a[0].alert || !strings.Contains(a[0].text, tc.answer) {
				t.Errorf("answered %+v, want %q", a, tc.answer)
			}
			edits := e.tg.buttonEdits()
			if len(edits) == 1 && !slices.EqualFunc(edits[0].rows, marked(tc.n), slices.Equal) {
				t.Errorf("buttons now %v, want %v", edits[0].rows, marked(tc.n))
			}
			l := e.st.get(t, tGroup, tc.n)
			switch {
			case !before.RevokedAt.IsZero():
				if l != before {
					t.Errorf("the revoked link changed: %+v", l)
				}
			case l.RevokedAt.IsZero() == tc.revoked || (tc.revoked && l.RevokedBy != tAdmin):
				t.Errorf("stored %+v, want revoked %v by the admin", l, tc.revoked)
			}
		})
	}
}

func TestRevokeButtonRefused(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		setup      func(e *env)
		code       text.Code
		id         string
		calls      []string
	}{
		{"data that is no button's", "lk:r:" + strconv.FormatInt(tGroup, 10), nil, text.Invalid, "button.stale", nil},
		{"another action", callbackData(LinkButtons, "x", tGroup, 2), nil, text.Invalid, "button.stale", nil},
		{"another chat's button", callbackData(LinkButtons, "r", tOther, 2), func(e *env) {
			e.seed(store.Link{ChatID: tOther, URL: "https://t.me/+OtherChats2", Number: 2})
		}, text.Invalid, "button.stale", nil},
		{"a link that is not stored", callbackData(LinkButtons, "r", tGroup, 99), nil, text.Invalid, "button.stale", nil},
		{"the primary link", callbackData(LinkButtons, "r", tGroup, 1), nil, text.Invalid, "revoke.primary", nil},
		{"no rights", callbackData(LinkButtons, "r", tGroup, 2), func(e *env) { e.tg.failNext("RevokeLink", errNoRights) },
			text.Forbidden, "telegram.no_right", []string{line("RevokeLink", tGroup, urlPartners)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			seedLinks(e)
			if tc.setup != nil {
				tc.setup(e)
			}
			before := e.st.allLinks()
			err := e.links().RevokeButton(context.Background(), press(tc.data, listButtons()))
			wantTextErr(t, err, tc.code, tc.id)
			wantCalls(t, e.tg, tc.calls...)
			if !slices.Equal(before, e.st.allLinks()) {
				t.Errorf("the store changed")
			}
		})
	}
	t.Run("a store failure after Telegram revoked it is a failure", func(t *testing.T) {
		e := newEnv()
		seedLinks(e)
		e.st.failNext("RevokeLink", errDisk)
		err := e.links().RevokeButton(context.Background(), press(callbackData(LinkButtons, "r", tGroup, 2), listButtons()))
		wantFailure(t, err)
		wantCalls(t, e.tg, line("RevokeLink", tGroup, urlPartners))
	})
}

func TestRevokeButtonInPrivateChat(t *testing.T) {
	e := newEnv()
	seedLinks(e)
	u := press(callbackData(LinkButtons, "r", tGroup, 2), listButtons())
	u.Chat = &bot.Chat{ID: tAdmin, Type: "private"}
	u.Target = groupChat()
	if err := e.links().RevokeButton(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	wantCalls(t, e.tg, line("RevokeLink", tGroup, urlPartners), line("EditButtons", tAdmin, tListID),
		line("AnswerButton", tQueryID, "alert=false"))
}
