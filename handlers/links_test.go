package handlers

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

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
	export := line("ExportLink", tGroup)
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
			wantCalls(t, e.tg, probe, export, toAdmin, groupLine)
			l := e.st.get(t, tGroup, 1)
			if l.URL != newURL || !l.Primary || l.CreatedBy != tAdmin || !l.CreatedAt.Equal(tNow) || l.Request != tCommand {
				t.Errorf("stored %+v", l)
			}
			got := privateAnswer(t, e.tg)
			wantContains(t, got, "New primary link:", "#1 "+newURL+" (primary)", "Primary links made by other admins still work")
			wantLacks(t, got, "previous")
		}},
		{"the previous primary link is said to be gone", seedLinks, groupCommand("refreshlink", ""), func(t *testing.T, e *env, err error) {
			if err != nil {
				t.Fatal(err)
			}
			wantCalls(t, e.tg, probe, export, toAdmin, groupLine)
			if old := e.st.get(t, tGroup, 1); !old.RevokedAt.Equal(tNow) || old.RevokedBy != tAdmin {
				t.Errorf("the previous primary link is %+v, want revoked by the admin now", old)
			}
			if l := e.st.get(t, tGroup, 8); l.URL != newURL || !l.Primary {
				t.Errorf("the new primary link is %+v", l)
			}
			wantContains(t, privateAnswer(t, e.tg), "#8 "+newURL, "The previous primary link I made, #1, no longer works.")
		}},
		{"from a private chat: made in the group, answered in private", nil, privateCommand("refreshlink", ""), func(t *testing.T, e *env, err error) {
			if err != nil {
				t.Fatal(err)
			}
			wantCalls(t, e.tg, export, line("Send", tAdmin, "reply=10 buttons=0"))
			wantContains(t, reply(t, e.tg, tAdmin), newURL)
		}},
		{"with /replies chat, in the group", func(e *env) { e.chatMode() }, groupCommand("refreshlink", ""), func(t *testing.T, e *env, err error) {
			if err != nil {
				t.Fatal(err)
			}
			wantCalls(t, e.tg, export, groupLine)
			wantContains(t, reply(t, e.tg, tGroup), newURL)
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
			wantCalls(t, e.tg, probe, export)
			if w := e.st.writes(); len(w) > 0 {
				t.Errorf("store writes %v", w)
			}
		}},
		{"unsure", func(e *env) { e.tg.failNext("ExportLink", errUnsure) }, groupCommand("refreshlink", ""), func(t *testing.T, e *env, err error) {
			wantTextErr(t, err, text.Unavailable, "telegram.unsure", "did not confirm")
			wantCalls(t, e.tg, probe, export)
		}},
		{"a replayed command answers with its link", func(e *env) {
			e.seed(store.Link{URL: urlPrimary, Primary: true, Request: tCommand})
		}, replayed(groupCommand("refreshlink", "")), func(t *testing.T, e *env, err error) {
			if err != nil {
				t.Fatal(err)
			}
			wantCalls(t, e.tg, probe, toAdmin, groupLine)
			wantContains(t, privateAnswer(t, e.tg), "New primary link:", "#1 "+urlPrimary)
			if w := e.st.writes(); len(w) > 0 {
				t.Errorf("store writes %v", w)
			}
		}},
		{"a replayed command without a link asks again", nil, replayed(groupCommand("refreshlink", "")), func(t *testing.T, e *env, err error) {
			if err != nil {
				t.Fatal(err)
			}
			wantCalls(t, e.tg, probe, export, toAdmin, groupLine)
		}},
		{"a store failure is a failure", func(e *env) { e.st.failNext("AddLink", errDisk) }, groupCommand("refreshlink", ""), func(t *testing.T, e *env, err error) {
			wantFailure(t, err)
			if !errors.Is(err, errDisk) {
				t.Errorf("err = %v, want it to wrap the store's", err)
			}
			wantCalls(t, e.tg, probe, export)
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
			wantCalls(t, e.tg, probe, line("CreateLink", tGroup, specText(tc.spec)), toAdmin, groupLine)
			want := store.Link{ChatID: tGroup, Number: 1, URL: url, Name: tc.spec.Name, ExpiresAt: tc.spec.ExpiresAt,
				MemberLimit: tc.spec.MemberLimit, JoinRequest: tc.spec.JoinRequest, CreatedBy: tAdmin, CreatedAt: tNow, Request: tCommand}
			if got := e.st.get(t, tGroup, 1); got != want {
				t.Errorf("stored\n\t%+v\nwant\n\t%+v", got, want)
			}
			got := privateAnswer(t, e.tg)
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
	privateAnswer(t, e.tg)
	m := e.tg.messages()
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
			if tc.u.Chat.IsPrivate() {
				wantCalls(t, e.tg, made)
			} else {
				wantCalls(t, e.tg, probe, made)
			}
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
		wantCalls(t, e.tg, probe, made)
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
			wantCalls(t, e.tg, probe, made, revoke)
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
		}, replayed(groupCommand("createlink", "Partners")), []string{probe, toAdmin, groupLine}, nil, urlPartners, false},
		{"another command's link is not", func(e *env) {
			e.seed(store.Link{URL: urlPartners, Name: "Partners", Request: tCommand + "1"})
		}, replayed(groupCommand("createlink", "Partners")), []string{probe, made, toAdmin, groupLine}, []string{"createChatInviteLink"}, "https://t.me/+Link0001", false},
		{"without a stored link it asks again and counts the repeat", nil,
			replayed(groupCommand("createlink", "Partners")), []string{probe, made, toAdmin, groupLine}, []string{"createChatInviteLink"}, "https://t.me/+Link0001", false},
		{"a first run counts no repeat, even if a link has its key", func(e *env) {
			e.seed(store.Link{URL: urlPartners, Name: "Partners", Request: "elsewhere"})
		}, groupCommand("createlink", "Partners"), []string{probe, made, toAdmin, groupLine}, nil, "https://t.me/+Link0001", false},
		{"a store failure when looking is a failure", func(e *env) {
			e.st.failNext("LinkByRequest", errDisk)
		}, replayed(groupCommand("createlink", "Partners")), []string{probe}, nil, "", true},
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
				wantContains(t, privateAnswer(t, e.tg), "New link:", tc.url)
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
			wantCalls(t, e.tg, probe, line("EditLink", tGroup, url, tc.spec), toAdmin, groupLine)
			l := e.st.get(t, tGroup, n)
			if !tc.want(l) || l.EditedBy != tAdmin || !l.EditedAt.Equal(tNow) {
				t.Errorf("stored %+v", l)
			}
			wantContains(t, privateAnswer(t, e.tg), tc.words...)
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
				wantContains(t, tCatalog.Default().Plain(te.Msg), "Telegram says #2 no longer exists", "marked it revoked")
			}
			wantCalls(t, e.tg, probe, line("EditLink", tGroup, urlPartners, `name="Partners" expire=2026-11-29T12:00 limit=100 request=false`))
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
			wantCalls(t, e.tg, probe, line("RevokeLink", tGroup, tc.url), toAdmin, groupLine)
			if l := e.st.get(t, tGroup, tc.n); l.RevokedBy != tAdmin || !l.RevokedAt.Equal(tNow) {
				t.Errorf("stored %+v, want revoked by the admin now", l)
			}
			if l, _ := e.tg.link(tc.url); !l.Revoked {
				t.Errorf("Telegram's link is not revoked")
			}
			got := privateAnswer(t, e.tg)
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
				wantCalls(t, e.tg, probe, line("RevokeLink", tGroup, urlPartners))
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
		wantCalls(t, e.tg, probe, line("RevokeLink", tGroup, urlPartners))
	})
}

func TestRevokeLinkAll(t *testing.T) {
	for _, tc := range []struct {
		name    string
		setup   func(e *env)
		u       *bot.Update
		calls   []string
		items   []int64
		words   []string
		button  string
		private bool // the answer went to Ada's private chat from the group
	}{
		{"asks Ada, and Ada alone, to confirm revoking every active link but the primary", seedLinks, groupCommand("revokelink", "all"),
			[]string{probe, line("Send", tAdmin, "reply=0 buttons=1"), groupLine}, []int64{2, 3, 5, 6},
			[]string{"Revoke these 4 links in Fans & Friends? They stop working at once.", "#2 “Partners” " + urlPartners,
				"#3 “Club” " + urlClub, "#5 “Twin” " + urlTwinA, "#6 “twin” " + urlTwinB, "Only @ada can confirm, within 60 seconds."},
			"Yes, revoke all 4=lk:ya:0", true},
		{"ALL in capitals, one link", func(e *env) {
			e.seed(store.Link{URL: urlPrimary, Primary: true})
			e.seed(store.Link{URL: urlPartners, Name: "Partners"})
			e.seed(store.Link{URL: urlOld, Name: "Old", RevokedAt: tRevoked})
		}, groupCommand("revokelink", "ALL"), []string{probe, line("Send", tAdmin, "reply=0 buttons=1"), groupLine}, []int64{2},
			[]string{"Revoke this link in Fans & Friends? It stops working at once.", "#2 “Partners” " + urlPartners}, "Yes, revoke it=lk:ya:0", true},
		{"from a private chat, there", seedLinks, privateCommand("revokelink", "all"),
			[]string{line("Send", tAdmin, "reply=10 buttons=1")}, []int64{2, 3, 5, 6}, []string{"Revoke these 4 links"},
			"Yes, revoke all 4=lk:ya:0", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			tc.setup(e)
			before := e.st.allLinks()
			if err := e.links().RevokeLink(context.Background(), tc.u); err != nil {
				t.Fatal(err)
			}
			wantCalls(t, e.tg, tc.calls...)
			m := e.tg.messages()[0]
			if tc.private {
				privateAnswer(t, e.tg)
			}
			wantContains(t, plain(m.Text), tc.words...)
			wantLacks(t, plain(m.Text), urlPrimary, urlOld, urlExpired)
			if got := buttonTexts(t, m.Buttons); !slices.Equal(got, []string{tc.button}) {
				t.Errorf("buttons %v, want %q", got, tc.button)
			}
			rec, _ := e.st.record(tAdmin, 101)
			want := store.ButtonMessage{ChatID: tAdmin, MessageID: 101, Kind: kindConfirmAll, TargetID: tGroup, Items: tc.items,
				UserID: tAdmin, ExpiresAt: tNow.Add(60 * time.Second), CreatedAt: tNow}
			if !recordsEqual(rec, want) {
				t.Errorf("the record is %+v, want %+v", rec, want)
			}
			if !slices.Equal(before, e.st.allLinks()) {
				t.Errorf("links changed before the confirmation")
			}
		})
	}
	t.Run("none to revoke is told in the group, without a probe", func(t *testing.T) {
		e := newEnv()
		e.tg.block(tAdmin)
		e.seed(store.Link{URL: urlPrimary, Primary: true})
		e.seed(store.Link{URL: urlOld, RevokedAt: tRevoked})
		err := e.links().RevokeLink(context.Background(), groupCommand("revokelink", "all"))
		wantTextErr(t, err, text.NotFound, "revoke_all.none", "no active links of mine in this chat", "/refreshlink")
		wantCalls(t, e.tg)
	})
	t.Run("a store failure is a failure", func(t *testing.T) {
		e := newEnv()
		seedLinks(e)
		e.st.failNext("ListLinks", errDisk)
		wantFailure(t, e.links().RevokeLink(context.Background(), groupCommand("revokelink", "all")))
		wantCalls(t, e.tg)
	})
	t.Run("a confirmation that cannot be recorded is a failure, and the group is not told", func(t *testing.T) {
		e := newEnv()
		seedLinks(e)
		e.st.failNext("SaveButtonMessage", errDisk)
		wantFailure(t, e.links().RevokeLink(context.Background(), groupCommand("revokelink", "all")))
		wantCalls(t, e.tg, probe, line("Send", tAdmin, "reply=0 buttons=1"))
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

// revokeButton is the Revoke button of #n: its data names the link's
// number and nothing else (the chat is the message's record's).
func revokeButton(n int64) string {
	return fmt.Sprintf("Revoke #%d=lk:r:%d", n, n)
}

func TestLinksList(t *testing.T) {
	active := []string{revokeButton(2), revokeButton(3), revokeButton(5), revokeButton(6)}
	for _, tc := range []struct {
		name    string
		setup   func(e *env)
		u       *bot.Update
		calls   []string
		to      int64   // the chat the list goes to
		shown   []int64 // the links listed
		buttons []string
		words   []string
		lacks   []string
		title   string // the record's, as read
	}{
		{"active links, Revoke buttons for the others than the primary, in private", nil, groupCommand("links", ""),
			[]string{probe, line("Send", tAdmin, "reply=0 buttons=4"), groupLine}, tAdmin, []int64{1, 2, 3, 5, 6}, active,
			[]string{"Active links in Fans & Friends:", "#1 " + urlPrimary + " (primary)", "#2 " + urlPartners, "limit: 50"},
			[]string{urlOld, urlExpired, "(page"}, "Active links in Fans & Friends:"},
		{"all links, with buttons for the active ones", nil, groupCommand("links", "ALL"),
			[]string{probe, line("Send", tAdmin, "reply=0 buttons=4"), groupLine}, tAdmin, []int64{1, 2, 3, 4, 5, 6, 7}, active,
			[]string{"All links in Fans & Friends:", "#4 " + urlOld, "· revoked", "#7 " + urlExpired, "· expired"}, nil,
			"All links in Fans & Friends:"},
		{"from a private chat, to the private chat", nil, privateCommand("links", ""),
			[]string{line("Send", tAdmin, "reply=10 buttons=4")}, tAdmin, []int64{1, 2, 3, 5, 6}, active,
			[]string{"Active links in Fans & Friends:"}, nil, "Active links in Fans & Friends:"},
		{"with /replies chat, to the group", func(e *env) { e.chatMode() }, groupCommand("links", ""),
			[]string{line("Send", tGroup, "reply=10 buttons=4")}, tGroup, []int64{1, 2, 3, 5, 6}, active,
			[]string{"Active links in Fans & Friends:"}, nil, "Active links in Fans & Friends:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			seedLinks(e)
			if tc.setup != nil {
				tc.setup(e)
			}
			if err := e.links().List(context.Background(), tc.u); err != nil {
				t.Fatal(err)
			}
			wantCalls(t, e.tg, tc.calls...)
			msgs := e.tg.messages()
			m := msgs[0]
			if len(msgs) == 2 {
				privateAnswer(t, e.tg)
			}
			if got := entryNumbers(m.Text); !slices.Equal(got, tc.shown) {
				t.Errorf("links listed %v, want %v", got, tc.shown)
			}
			if got := buttonTexts(t, m.Buttons); !slices.Equal(got, tc.buttons) {
				t.Errorf("buttons %v, want %v", got, tc.buttons)
			}
			wantContains(t, plain(m.Text), tc.words...)
			wantLacks(t, plain(m.Text), tc.lacks...)
			// The message's record says what its buttons act on.
			rec, ok := e.st.record(tc.to, 101)
			if !ok {
				t.Fatalf("no record of the list")
			}
			if rec.Kind != kindLinks || rec.TargetID != tGroup || !slices.Equal(rec.Items, tc.shown) || plain(rec.Title) != tc.title ||
				rec.UserID != 0 || !rec.ExpiresAt.IsZero() || !rec.CreatedAt.Equal(tNow) {
				t.Errorf("the record is %+v", rec)
			}
		})
	}
}

func TestLinksListNone(t *testing.T) {
	for _, tc := range []struct {
		name  string
		seed  bool
		u     *bot.Update
		id    string
		words []string
	}{
		{"none active", true, groupCommand("links", ""), "links.none", []string{"I have no active links in this chat.", "/links all"}},
		{"none at all", false, groupCommand("links", "all"), "links.none_all", []string{"I haven't made any links in this chat yet."}},
		{"none at all, from a private chat, names the chat", false, privateCommand("links", "all"), "links.none_all",
			[]string{"any links in Fans & Friends yet"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			if tc.seed {
				e.seed(store.Link{URL: urlOld, RevokedAt: tRevoked})
			}
			// Refusals are answered where the command was sent: nothing
			// is probed, even for an admin the bot may not write to.
			e.tg.block(tAdmin)
			wantTextErr(t, e.links().List(context.Background(), tc.u), text.NotFound, tc.id, tc.words...)
			wantCalls(t, e.tg)
			if c := e.st.pendingCommands(); len(c) > 0 {
				t.Errorf("commands waiting: %+v", c)
			}
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
	// They go to Ada's private chat, the group gets one line.
	wantCalls(t, e.tg, probe, line("Send", tAdmin, "reply=0 buttons=29"), line("Send", tAdmin, "reply=0 buttons=30"),
		line("Send", tAdmin, "reply=0 buttons=10"), groupLine)
	msgs := e.tg.messages()
	wantGroupLine(t, msgs[3], says("private.sent", "Name", "@ada"))
	var listed []int64
	for i, m := range msgs[:3] {
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
		rec, ok := e.st.record(tAdmin, 101+i)
		if !ok || !slices.Equal(rec.Items, shown) || rec.TargetID != tGroup ||
			plain(rec.Title) != fmt.Sprintf("Active links in Fans & Friends: (page %d/3)", i+1) {
			t.Errorf("page %d: the record is %+v, want one of its links %v", i+1, rec, shown)
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
	e.tg.block(tAdmin)
	err := e.links().List(context.Background(), groupCommand("links", "everything"))
	// A mistake is answered where the command was sent, with nothing
	// probed, even for an admin the bot may not write to.
	wantTextErr(t, err, text.Invalid, "links.usage", "/links all")
	wantCalls(t, e.tg)
	if c := e.st.pendingCommands(); len(c) > 0 {
		t.Errorf("commands waiting: %+v", c)
	}

	e = newEnv()
	e.st.failNext("ListLinks", errDisk)
	err = e.links().List(context.Background(), privateCommand("links", ""))
	wantFailure(t, err)
	wantCalls(t, e.tg)

	for _, method := range []string{"SaveButtonMessage", "Send"} {
		e = newEnv()
		seedLinks(e)
		e.st.failNext(method, errDisk)
		e.tg.failNext(method, errNetwork)
		err = e.links().List(context.Background(), groupCommand("links", ""))
		wantFailure(t, err)
		if n := len(e.tg.messages()); n > 1 {
			t.Errorf("a failure of %s: %d messages sent, the group's line among them", method, n)
		}
	}
}

// The bot's messages the button tests press under: a page of /links
// (tListID) and a confirmation (tConfirmID).
const tConfirmID = 30

// seedPage gives the group its links (seedLinks) and a page of /links
// active in chat (the group, or Ada's private chat) that shows #1, #2, #3,
// #5 and #6, as List records it.
func seedPage(e *env, chat int64) store.ButtonMessage {
	seedLinks(e)
	return e.remember(store.ButtonMessage{ChatID: chat, Kind: kindLinks, Items: []int64{1, 2, 3, 5, 6},
		Title: "Active links in <b>Fans &amp; Friends</b>:"})
}

func TestRevokeButton(t *testing.T) {
	for _, tc := range []struct {
		name  string
		setup func(e *env)
		u     *bot.Update
		check func(t *testing.T, e *env)
	}{
		{"asks the presser, and the presser alone, to confirm within 60 s", func(e *env) { seedPage(e, tGroup) },
			press("lk:r:2", nil), func(t *testing.T, e *env) {
				wantCalls(t, e.tg, line("Send", tGroup, "reply=20 buttons=1"), line("AnswerButton", tQueryID, "alert=false"))
				m := e.tg.messages()[0]
				wantContains(t, plain(m.Text), "Revoke this link? It stops working at once.", "#2 "+urlPartners,
					"Only @ada can confirm, within 60 seconds.")
				if got := buttonTexts(t, m.Buttons); !slices.Equal(got, []string{"Yes, revoke #2=lk:y:2"}) {
					t.Errorf("buttons %v", got)
				}
				rec, ok := e.st.record(tGroup, 101)
				want := store.ButtonMessage{ChatID: tGroup, MessageID: 101, Kind: kindConfirm, TargetID: tGroup, Items: []int64{2},
					UserID: tAdmin, ParentID: tListID, ExpiresAt: tNow.Add(60 * time.Second), CreatedAt: tNow}
				if !ok || !recordsEqual(rec, want) {
					t.Errorf("the confirmation's record is %+v, want %+v", rec, want)
				}
				wantAnswer(t, e.tg, "Confirm with the button below within 60 seconds.", false)
				if l := e.st.get(t, tGroup, 2); !l.RevokedAt.IsZero() {
					t.Errorf("#2 was revoked before the confirmation")
				}
			}},
		{"in a private chat, there", func(e *env) { seedPage(e, tAdmin) }, privatePress("lk:r:3", tListID), func(t *testing.T, e *env) {
			wantCalls(t, e.tg, line("Send", tAdmin, "reply=20 buttons=1"), line("AnswerButton", tQueryID, "alert=false"))
			rec, ok := e.st.record(tAdmin, 101)
			if !ok || rec.Kind != kindConfirm || rec.TargetID != tGroup || !slices.Equal(rec.Items, []int64{3}) || rec.ParentID != tListID {
				t.Errorf("the confirmation's record is %+v", rec)
			}
		}},
		{"the record says which chat, not the data", func(e *env) {
			seedLinks(e)
			e.seed(store.Link{ChatID: tOther, URL: "https://t.me/+OtherChats2", Number: 2})
			e.remember(store.ButtonMessage{Kind: kindLinks, TargetID: tOther, Items: []int64{2}})
		}, press("lk:r:2", nil), func(t *testing.T, e *env) {
			wantContains(t, plain(e.tg.messages()[0].Text), "#2 https://t.me/+OtherChats2")
			if rec, _ := e.st.record(tGroup, 101); rec.TargetID != tOther {
				t.Errorf("the confirmation acts on %d, want the page's chat %d", rec.TargetID, tOther)
			}
		}},
		{"a link revoked since: nothing to revoke, and the page shows it", func(e *env) {
			seedPage(e, tGroup)
			e.st.links[1].RevokedAt, e.st.links[1].RevokedBy = tRevoked, tAdmin
		}, press("lk:r:2", nil), func(t *testing.T, e *env) {
			wantCalls(t, e.tg, line("Edit", tGroup, tListID, "buttons=3"), line("AnswerButton", tQueryID, "alert=false"))
			wantAnswer(t, e.tg, "#2 is revoked already; there is nothing to revoke.", false)
			page, rows := e.tg.message(tListID)
			if got := entryNumbers(page); !slices.Equal(got, []int64{1, 2, 3, 5, 6}) {
				t.Errorf("the page shows %v", got)
			}
			wantContains(t, plain(page), "Active links in Fans & Friends:\n\n#1 ", "#2 "+urlPartners)
			if !strings.Contains(plain(page), "· revoked") {
				t.Errorf("the page does not show #2 revoked: %q", plain(page))
			}
			if got := buttonTexts(t, rows); !slices.Equal(got, []string{revokeButton(3), revokeButton(5), revokeButton(6)}) {
				t.Errorf("the page's buttons %v", got)
			}
			if _, ok := e.st.record(tGroup, 101); ok {
				t.Errorf("a confirmation was recorded")
			}
		}},
		{"a link expired since", func(e *env) {
			seedPage(e, tGroup)
			e.clock.advance(8 * 24 * time.Hour) // #2 expires in a week
		}, press("lk:r:2", nil), func(t *testing.T, e *env) {
			wantCalls(t, e.tg, line("Edit", tGroup, tListID, "buttons=3"), line("AnswerButton", tQueryID, "alert=false"))
			wantAnswer(t, e.tg, "#2 is expired already; there is nothing to revoke.", false)
		}},
		{"a page that is gone still answers", func(e *env) {
			seedPage(e, tGroup)
			e.st.links[1].RevokedAt = tRevoked
			e.tg.failNext("Edit", errMessageGone)
		}, press("lk:r:2", nil), func(t *testing.T, e *env) {
			wantCalls(t, e.tg, line("Edit", tGroup, tListID, "buttons=3"), line("AnswerButton", tQueryID, "alert=false"))
			wantAnswer(t, e.tg, "#2 is revoked already", false)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			tc.setup(e)
			before := e.st.allLinks()
			if err := e.links().RevokeButton(context.Background(), tc.u); err != nil {
				t.Fatal(err)
			}
			tc.check(t, e)
			if !slices.Equal(before, e.st.allLinks()) {
				t.Errorf("a press of Revoke changed links")
			}
			for _, l := range e.tg.log() {
				if strings.HasPrefix(l, "RevokeLink") {
					t.Errorf("a press of Revoke revoked: %s", l)
				}
			}
		})
	}
}

// recordsEqual compares two records of messages with buttons.
func recordsEqual(a, b store.ButtonMessage) bool {
	return a.ChatID == b.ChatID && a.MessageID == b.MessageID && a.Kind == b.Kind && a.TargetID == b.TargetID &&
		slices.Equal(a.Items, b.Items) && a.Title == b.Title && a.UserID == b.UserID && a.ParentID == b.ParentID &&
		a.ExpiresAt.Equal(b.ExpiresAt) && a.CreatedAt.Equal(b.CreatedAt)
}

// wantAnswer fails t unless the one button press was answered with a
// text that holds want, as an alert or not.
func wantAnswer(t *testing.T, tg *fakeTG, want string, alert bool) {
	t.Helper()
	a := tg.pressAnswers()
	if len(a) != 1 || a[0].query != tQueryID || a[0].alert != alert || !strings.Contains(a[0].text, want) {
		t.Errorf("answered %+v, want %q (alert %v)", a, want, alert)
	}
}

func TestRevokeButtonRefused(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		setup      func(e *env)
		code       text.Code
		id         string
	}{
		{"data that is no button's", "lk:r", nil, text.Invalid, "button.stale"},
		{"another action", "lk:x:2", nil, text.Invalid, "button.stale"},
		{"a link the message does not show", "lk:r:4", nil, text.Invalid, "button.stale"},
		{"a link that does not exist", "lk:r:99", nil, text.Invalid, "button.stale"},
		{"a message of requests", "lk:r:2", func(e *env) {
			e.remember(store.ButtonMessage{Kind: kindRequests, Items: []int64{2}})
		}, text.Invalid, "button.stale"},
		{"a confirmation", "lk:r:2", func(e *env) {
			e.remember(store.ButtonMessage{Kind: kindConfirm, Items: []int64{2}, UserID: tAdmin})
		}, text.Invalid, "button.stale"},
		{"a message without a record", "lk:r:2", func(e *env) {
			delete(e.st.records, [2]int64{tGroup, tListID})
		}, text.Invalid, "button.stale"},
		{"no store of records", "lk:r:2", func(e *env) { e.deps.Messages = nil }, text.Invalid, "button.stale"},
		{"the primary link", "lk:r:1", nil, text.Invalid, "revoke.primary"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			seedPage(e, tGroup)
			if tc.setup != nil {
				tc.setup(e)
			}
			before := e.st.allLinks()
			err := e.links().RevokeButton(context.Background(), press(tc.data, nil))
			wantTextErr(t, err, tc.code, tc.id)
			wantCalls(t, e.tg)
			if !slices.Equal(before, e.st.allLinks()) {
				t.Errorf("the store changed")
			}
			if w := e.st.writes(); len(w) > 0 {
				t.Errorf("store writes %v", w)
			}
		})
	}
	for _, tc := range []struct {
		name  string
		setup func(e *env)
	}{
		{"reading the record", func(e *env) { e.st.failNext("ButtonMessage", errDisk) }},
		{"reading the link", func(e *env) { e.st.failNext("Link", errDisk) }},
		{"sending the confirmation", func(e *env) { e.tg.failNext("Send", errNetwork) }},
		{"showing the page anew", func(e *env) {
			e.st.links[1].RevokedAt = tRevoked
			e.tg.failNext("Edit", errNetwork)
		}},
		{"recording the confirmation", func(e *env) { e.st.failNext("SaveButtonMessage", errDisk) }},
	} {
		t.Run("a failure "+tc.name, func(t *testing.T) {
			e := newEnv()
			seedPage(e, tGroup)
			tc.setup(e)
			wantFailure(t, e.links().RevokeButton(context.Background(), press("lk:r:2", nil)))
			if len(e.tg.pressAnswers()) > 0 {
				t.Errorf("the press was answered as if it had worked")
			}
		})
	}
}

// seedConfirmation gives a page (seedPage) and a confirmation under it in
// chat, for Ada, of kind with items, as RevokeButton and /revokelink all
// record them.
func seedConfirmation(e *env, chat int64, kind string, items ...int64) {
	seedPage(e, chat)
	parent := tListID
	if kind == kindConfirmAll {
		parent = 0
	}
	e.remember(store.ButtonMessage{ChatID: chat, MessageID: tConfirmID, Kind: kind, Items: items, UserID: tAdmin,
		ParentID: parent, ExpiresAt: tNow.Add(time.Minute)})
}

func TestConfirmButton(t *testing.T) {
	revoke := func(url string) string { return line("RevokeLink", tGroup, url) }
	editConfirmation := line("Edit", tGroup, tConfirmID, "buttons=0")
	answered := line("AnswerButton", tQueryID, "alert=false")
	for _, tc := range []struct {
		name    string
		setup   func(e *env)
		u       *bot.Update
		calls   []string
		revoked []int64  // the links revoked now
		says    []string // the confirmation, as edited
		lacks   []string
		answer  string
	}{
		{"one link, and the page shows it anew", func(e *env) { seedConfirmation(e, tGroup, kindConfirm, 2) },
			press("lk:y:2", nil),
			[]string{revoke(urlPartners), editConfirmation, line("Edit", tGroup, tListID, "buttons=3"), answered}, []int64{2},
			[]string{"Revoked by @ada; this link no longer works:", "#2 " + urlPartners}, []string{"not active", "could not"}, "Revoked."},
		{"the data's number counts for nothing: the record's link is revoked", func(e *env) { seedConfirmation(e, tGroup, kindConfirm, 2) },
			press("lk:y:5", nil),
			[]string{revoke(urlPartners), editConfirmation, line("Edit", tGroup, tListID, "buttons=3"), answered}, []int64{2},
			[]string{"#2 " + urlPartners}, []string{urlTwinA}, "Revoked."},
		{"every link of /revokelink all", func(e *env) { seedConfirmation(e, tGroup, kindConfirmAll, 2, 3, 5, 6) },
			press("lk:ya:0", nil),
			[]string{revoke(urlPartners), revoke(urlClub), revoke(urlTwinA), revoke(urlTwinB), editConfirmation, answered},
			[]int64{2, 3, 5, 6}, []string{"Revoked by @ada; these 4 links no longer work:", "#2 ", "#3 ", "#5 ", "#6 "}, nil, "Revoked 4 links."},
		{"some revoked or expired already", func(e *env) { seedConfirmation(e, tGroup, kindConfirmAll, 2, 4, 7) },
			press("lk:ya:0", nil), []string{revoke(urlPartners), editConfirmation, answered}, []int64{2},
			[]string{"Revoked by @ada; this link no longer works:", "#2 ", "2 links were not active any more."}, []string{"#4 ", "#7 "}, "Revoked."},
		{"all revoked already", func(e *env) { seedConfirmation(e, tGroup, kindConfirm, 4) },
			press("lk:y:4", nil), []string{editConfirmation, line("Edit", tGroup, tListID, "buttons=4"), answered}, nil,
			[]string{"Nothing was left to revoke.", "1 link was not active any more."}, []string{"Revoked by"}, "Revoked 0 links."},
		{"the primary link is never revoked", func(e *env) { seedConfirmation(e, tGroup, kindConfirmAll, 1, 2) },
			press("lk:ya:0", nil), []string{revoke(urlPartners), editConfirmation, answered}, []int64{2},
			[]string{"1 link was not active any more."}, []string{"#1 "}, "Revoked."},
		{"gone in Telegram: marked revoked", func(e *env) {
			seedConfirmation(e, tGroup, kindConfirm, 2)
			e.tg.forget(urlPartners)
		}, press("lk:y:2", nil), []string{revoke(urlPartners), editConfirmation, line("Edit", tGroup, tListID, "buttons=3"), answered},
			[]int64{2}, []string{"Revoked by @ada"}, nil, "Revoked."},
		{"one that Telegram did not answer is told, the rest revoked", func(e *env) {
			seedConfirmation(e, tGroup, kindConfirmAll, 2, 3)
			e.tg.failNext("RevokeLink", errNetwork)
		}, press("lk:ya:0", nil), []string{revoke(urlPartners), revoke(urlClub), editConfirmation, answered}, []int64{3},
			[]string{"#3 ", "1 link could not be revoked because Telegram did not answer; try again."}, []string{"#2 "}, "Revoked."},
		{"a page that is gone is not shown", func(e *env) {
			seedConfirmation(e, tGroup, kindConfirm, 2)
			delete(e.st.records, [2]int64{tGroup, tListID})
		}, press("lk:y:2", nil), []string{revoke(urlPartners), editConfirmation, answered}, []int64{2}, []string{"Revoked by @ada"}, nil, "Revoked."},
		{"a confirmation that is gone in Telegram still shows the page", func(e *env) {
			seedConfirmation(e, tGroup, kindConfirm, 2)
			e.tg.failNext("Edit", errMessageGone)
		}, press("lk:y:2", nil), []string{revoke(urlPartners), editConfirmation, line("Edit", tGroup, tListID, "buttons=3"), answered},
			[]int64{2}, nil, nil, "Revoked."},
		{"in a private chat", func(e *env) { seedConfirmation(e, tAdmin, kindConfirm, 3) }, privatePress("lk:y:3", tConfirmID),
			[]string{revoke(urlClub), line("Edit", tAdmin, tConfirmID, "buttons=0"), line("Edit", tAdmin, tListID, "buttons=3"), answered},
			[]int64{3}, nil, nil, "Revoked."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			tc.setup(e)
			before := e.st.allLinks()
			tc.u.Callback.Message.ID = tConfirmID
			tc.u.Callback.Message.Buttons = [][]bot.Button{{{Text: "Yes, revoke", Data: tc.u.Callback.Data}}}
			if err := e.links().ConfirmButton(context.Background(), tc.u); err != nil {
				t.Fatal(err)
			}
			wantCalls(t, e.tg, tc.calls...)
			for _, l := range before {
				after := e.st.get(t, l.ChatID, l.Number)
				switch {
				case slices.Contains(tc.revoked, l.Number):
					if after.RevokedBy != tAdmin || !after.RevokedAt.Equal(tNow) {
						t.Errorf("#%d is %+v, want revoked by Ada now", l.Number, after)
					}
					if tl, known := e.tg.link(l.URL); known && !tl.Revoked {
						t.Errorf("#%d still works in Telegram", l.Number)
					}
				case after != l:
					t.Errorf("#%d changed: %+v", l.Number, after)
				}
			}
			if len(tc.says) > 0 {
				confirmation, rows := e.tg.message(tConfirmID)
				wantContains(t, plain(confirmation), tc.says...)
				wantLacks(t, plain(confirmation), tc.lacks...)
				if len(rows) > 0 {
					t.Errorf("the confirmation keeps its buttons: %v", rows)
				}
			}
			wantAnswer(t, e.tg, tc.answer, false)
			if slices.Contains(tc.calls, line("Edit", tc.u.Chat.ID, tListID, "buttons=3")) {
				// The page shows the revoked link revoked, without its button.
				page, rows := e.tg.message(tListID)
				if got := entryNumbers(page); !slices.Equal(got, []int64{1, 2, 3, 5, 6}) {
					t.Errorf("the page shows %v", got)
				}
				for _, n := range tc.revoked {
					if slices.Contains(buttonTexts(t, rows), revokeButton(n)) {
						t.Errorf("the page keeps the Revoke button of #%d", n)
					}
				}
			}
		})
	}
}

func TestConfirmButtonRefused(t *testing.T) {
	for _, tc := range []struct {
		name, data string
		kind       string // of the message's record; "" for none
		code       text.Code
		id         string
	}{
		{"Yes for one under a confirmation of all", "lk:y:2", kindConfirmAll, text.Invalid, "button.stale"},
		{"Yes for all under a confirmation of one", "lk:ya:0", kindConfirm, text.Invalid, "button.stale"},
		{"Yes under a page of links", "lk:y:2", kindLinks, text.Invalid, "button.stale"},
		{"another action", "lk:r:2", kindConfirm, text.Invalid, "button.stale"},
		{"data that is no button's", "lk:y", kindConfirm, text.Invalid, "button.stale"},
		{"a message without a record", "lk:y:2", "", text.Invalid, "button.stale"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv()
			seedLinks(e)
			if tc.kind != "" {
				e.remember(store.ButtonMessage{MessageID: tConfirmID, Kind: tc.kind, Items: []int64{2}, UserID: tAdmin})
			}
			u := press(tc.data, nil)
			u.Callback.Message.ID = tConfirmID
			wantTextErr(t, e.links().ConfirmButton(context.Background(), u), tc.code, tc.id)
			wantCalls(t, e.tg)
			if w := e.st.writes(); len(w) > 0 {
				t.Errorf("store writes %v", w)
			}
		})
	}
	t.Run("no rights: told, nothing stored", func(t *testing.T) {
		e := newEnv()
		seedConfirmation(e, tGroup, kindConfirmAll, 2, 3)
		e.tg.failNext("RevokeLink", errNoRights)
		u := press("lk:ya:0", nil)
		u.Callback.Message.ID = tConfirmID
		wantTextErr(t, e.links().ConfirmButton(context.Background(), u), text.Forbidden, "telegram.no_right", "in this chat")
		wantCalls(t, e.tg, line("RevokeLink", tGroup, urlPartners))
		if w := e.st.writes(); len(w) > 0 {
			t.Errorf("store writes %v", w)
		}
	})
	for _, tc := range []struct {
		name  string
		setup func(e *env)
	}{
		{"storing a revocation", func(e *env) { e.st.failNext("RevokeLink", errDisk) }},
		{"reading a link", func(e *env) { e.st.failNext("Link", errDisk) }},
		{"editing the confirmation", func(e *env) { e.tg.failNext("Edit", errNetwork) }},
		{"reading the page", func(e *env) { e.st.failNext("ButtonMessage", nil, errDisk) }},
	} {
		t.Run("a failure "+tc.name, func(t *testing.T) {
			e := newEnv()
			seedConfirmation(e, tGroup, kindConfirm, 2)
			tc.setup(e)
			u := press("lk:y:2", nil)
			u.Callback.Message.ID = tConfirmID
			wantFailure(t, e.links().ConfirmButton(context.Background(), u))
			if len(e.tg.pressAnswers()) > 0 {
				t.Errorf("the press was answered as if it had worked")
			}
		})
	}
}
