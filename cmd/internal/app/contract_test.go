package app

import (
	"bufio"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/invitebot/invitebot/bot"
	"github.com/invitebot/invitebot/bot/bottest"
	"github.com/invitebot/invitebot/handlers/text"
)

// Promises of PRODUCT.md §2 and §5 checked through the real loop.

// clock is a settable clock for the handlers.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.now = c.now.Add(d)
	c.mu.Unlock()
}

// TestExpiredAtOnce: a link whose expiry has passed is expired at once,
// whether or not Telegram said so: gone from /links, "expired" in /links all.
func TestExpiredAtOnce(t *testing.T) {
	srv := newWorld(t)
	c := &clock{now: time.Now().UTC()}
	h := startWith(t, srv, "", Options{Pace: fastPace, Now: c.Now})
	mustContain(t, h.ask(groupID, alice, "/createlink Soon expire=1h").PlainText, "#1", "active")
	h.ask(groupID, alice, "/createlink Later expire=3h")
	mustContain(t, h.ask(groupID, alice, "/links").PlainText, "“Soon”", "“Later”")

	c.Advance(time.Hour + time.Minute)
	r := h.ask(groupID, alice, "/links")
	mustContain(t, r.PlainText, "“Later”")
	if strings.Contains(r.PlainText, "Soon") {
		t.Errorf("/links still shows the expired link: %q", r.PlainText)
	}
	r = h.ask(groupID, alice, "/links all")
	entries := strings.Split(r.PlainText, "\n\n")
	var soon string
	for _, e := range entries {
		if strings.Contains(e, "“Soon”") {
			soon = e
		}
	}
	if !strings.HasSuffix(soon, "· expired") {
		t.Errorf("/links all shows the link as %q, want it expired", soon)
	}
	c.Advance(2 * time.Hour)
	mustContain(t, h.ask(groupID, alice, "/links").PlainText, "no active links")
}

// TestGroupRepliesPaced: more than 20 replies into one group within the
// group window are paced under the per-group limit, without one 429.
// Telegram's window is a minute; here both sides use the same limit over
// a few seconds (bot.TelegramPace is checked against Telegram's limits in
// package bot).
func TestGroupRepliesPaced(t *testing.T) {
	srv := newWorld(t)
	srv.EnforceRateLimits(bottest.RateLimits{
		Global:   bottest.TelegramLimits.Global,
		PerGroup: bottest.Limit{Max: 20, Window: 3 * time.Second},
		PerChat:  bottest.Limit{Max: 5, Window: 300 * time.Millisecond},
	})
	pace := bot.PaceLimits{
		Global: bot.TelegramPace.Global,
		Chat:   bot.Window{N: 3, Per: 310 * time.Millisecond},
		Group:  bot.Window{N: 20, Per: 3050 * time.Millisecond},
	}
	h := startWith(t, srv, "", Options{Pace: pace})
	const n = 25
	ids := make([]int, n)
	for i := range ids {
		ids[i] = h.send(groupID, alice, "/help")
	}
	srv.WaitFor(t, "every reply", func() bool {
		for _, id := range ids {
			if len(h.repliesTo(groupID, id)) == 0 {
				return false
			}
		}
		return true
	})
	var sends []time.Time
	for _, c := range srv.CallsTo("sendMessage") {
		if c.Params["chat_id"] == id(groupID) && c.Performed {
			sends = append(sends, c.At)
		}
	}
	if len(sends) != n {
		t.Fatalf("%d replies sent, want %d", len(sends), n)
	}
	if gap := sends[20].Sub(sends[0]); gap < 3*time.Second {
		t.Errorf("the 21st reply went %v after the 1st, inside the group window", gap)
	}
	if k := srv.RateLimited(); k != 0 || srv.TooManyRequests() != 0 {
		t.Errorf("%d replies met Telegram's limits (%d 429s)", k, srv.TooManyRequests())
	}
}

// hostileRunes are what users can put in any text: every C0 control
// character, DEL, the bidi controls and the zero-width characters.
func hostileRunes() []rune {
	var rs []rune
	for r := rune(0); r < 0x20; r++ {
		rs = append(rs, r)
	}
	rs = append(rs, 0x7f, 0x061c, 0x200e, 0x200f, 0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069,
		0x200b, 0x200c, 0x200d, 0x2060, 0xfeff)
	return rs
}

// jsonString is s as a JSON string, the way Telegram writes it.
func jsonString(s string) string {
	b, err := json.Marshal(s)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// TestHostileInputEveryKind sends every hostile character inside commands,
// names, titles and bios of every kind of update the bot asks for, and
// checks that every one of them is handled.
func TestHostileInputEveryKind(t *testing.T) { hostileInputEveryKind(t, "") }

// hostileInputEveryKind is TestHostileInputEveryKind in a group whose
// language is lang ("" for the default).
func hostileInputEveryKind(t *testing.T, lang string) {
	srv := newConsoleWorld(t)
	// Some 300 updates, many with calls of their own, before the last
	// reply: under -race on a machine busy with other tests, that took
	// more than bottest's default 10 s.
	srv.WaitTimeout = time.Minute
	h := start(t, srv, "", "INVITEBOT_OWNERS", owners)
	if lang != "" {
		c := catalogs(t)
		plainIs(t, "/language", h.ask(groupID, alice, "/language "+lang), c.For(lang).P("language.set", "Chat", text.M("chat.this"), "Code", lang, "Name", c.Name(lang)))
	}
	h.ask(groupID, alice, "/createlink Door")
	door := srv.InviteLinks(groupID)[0].InviteLink
	anchor := h.ask(groupID, alice, "/links") // a message of the bot's with a button
	date := time.Now().Unix()

	var pushed []int64
	commands := map[int]rune{} // message ID → the character its command holds
	queries := map[string]rune{}
	for i, c := range hostileRunes() {
		s := string(c)
		chat := fmt.Sprintf(`{"id":%d,"title":%s,"type":"supergroup"}`, groupID, jsonString("Group"+s))
		msgID := 90000 + i
		commands[msgID] = c
		pushed = append(pushed, srv.PushUpdate(fmt.Appendf(nil,
			`{"message":{"message_id":%d,"from":{"id":%d,"is_bot":false,"first_name":%s,"last_name":%s,"username":"alice_admin"},"chat":%s,"date":%d,"text":%s,"entities":[{"offset":0,"length":11,"type":"bot_command"}]}}`,
			msgID, alice, jsonString("Al"+s+"ice"), jsonString(s), chat, date, jsonString("/createlink n"+s+"x"))))
		user := int64(7100000000 + i)
		pushed = append(pushed, srv.PushUpdate(fmt.Appendf(nil,
			`{"chat_join_request":{"chat":%s,"from":{"id":%d,"is_bot":false,"first_name":%s,"last_name":%s,"username":"req%d"},"user_chat_id":%d,"date":%d,"bio":%s,"invite_link":{"invite_link":%s,"creator":{"id":1,"is_bot":true,"first_name":"Bot"},"creates_join_request":false,"is_primary":false,"is_revoked":false}}}`,
			chat, user, jsonString("Re"+s+"quester"), jsonString(s), i, user, date, jsonString("bio "+s+" end"), jsonString(door))))
		joiner := int64(7200000000 + i)
		pushed = append(pushed, srv.PushUpdate(fmt.Appendf(nil,
			`{"chat_member":{"chat":%s,"from":{"id":%d,"is_bot":false,"first_name":%s},"date":%d,"old_chat_member":{"user":{"id":%d,"is_bot":false,"first_name":%s},"status":"left"},"new_chat_member":{"user":{"id":%d,"is_bot":false,"first_name":%s},"status":"member"},"invite_link":{"invite_link":%s,"creator":{"id":1,"is_bot":true,"first_name":"Bot"},"creates_join_request":false,"is_primary":false,"is_revoked":false}}}`,
			chat, joiner, jsonString("Jo"+s), date, joiner, jsonString("Jo"+s), joiner, jsonString("Jo"+s), jsonString(door))))
		newChat := fmt.Sprintf(`{"id":%d,"title":%s,"type":"supergroup"}`, -1003000000000-int64(i), jsonString("New"+s+"Chat"))
		pushed = append(pushed, srv.PushUpdate(fmt.Appendf(nil,
			`{"my_chat_member":{"chat":%s,"from":{"id":%d,"is_bot":false,"first_name":%s},"date":%d,"old_chat_member":{"user":{"id":%d,"is_bot":true,"first_name":"Bot"},"status":"member"},"new_chat_member":{"user":{"id":%d,"is_bot":true,"first_name":"Bot"},"status":"administrator","can_be_edited":false,"can_manage_chat":true,"can_change_info":false,"can_delete_messages":false,"can_invite_users":true,"can_restrict_members":false,"can_pin_messages":false,"can_promote_members":false,"can_manage_video_chats":false,"is_anonymous":false,"can_post_stories":false,"can_edit_stories":false,"can_delete_stories":false}}}`,
			newChat, dave, jsonString("Da"+s+"ve"), date, srv.Bot().ID, srv.Bot().ID)))
		// Telegram sends only the data of buttons the bot made: the press
		// is hostile in its presser's name.
		presser := int64(7300000000 + i)
		srv.AddUser(bottest.User{ID: presser, FirstName: "Pre" + s + "sser", LastName: s})
		srv.SetMember(groupID, presser, bottest.Member{Status: "member"})
		upd, qid := srv.PushCallback(presser, groupID, anchor.MessageID, anchor.Buttons[0][0].CallbackData)
		queries[qid] = c
		pushed = append(pushed, upd)
	}
	last := pushed[len(pushed)-1]
	srv.WaitFor(t, "every update confirmed", func() bool { return srv.Confirmed() >= last })
	h.ask(groupID, alice, "/help") // after everything of the group, in order

	handled := map[int64]bool{}
	sc := bufio.NewScanner(strings.NewReader(h.logs.String()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var line struct {
			Msg      string `json:"msg"`
			UpdateID int64  `json:"update_id"`
		}
		if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "update handled" {
			handled[line.UpdateID] = true
		}
		if strings.Contains(sc.Text(), "cannot decode") {
			t.Errorf("an update was not decoded: %s", sc.Text())
		}
	}
	for _, id := range pushed {
		if !handled[id] {
			t.Errorf("update %d was not handled", id)
		}
	}

	replied := map[int]bool{}
	for _, c := range srv.CallsTo("sendMessage") {
		var p struct {
			MessageID int `json:"message_id"`
		}
		if json.Unmarshal([]byte(c.Params["reply_parameters"]), &p) == nil && c.Performed {
			replied[p.MessageID] = true
		}
	}
	for msgID, c := range commands {
		if !replied[msgID] {
			t.Errorf("/createlink with %U got no reply", c)
		}
	}
	answered := map[string]bool{}
	for _, a := range srv.CallbackAnswers() {
		answered[a.QueryID] = true
	}
	for q, c := range queries {
		if !answered[q] {
			t.Errorf("the button press with %U in its data got no answer", c)
		}
	}
	db := openStore(t, h)
	pending, err := db.PendingJoinRequests(t.Context(), groupID)
	if err != nil || len(pending) != len(hostileRunes()) {
		t.Errorf("%d join requests kept, want %d: %v", len(pending), len(hostileRunes()), err)
	}
	link, err := db.Link(t.Context(), groupID, 1)
	if err != nil || link.Joins != int64(len(hostileRunes())) {
		t.Errorf("%d joins counted through the link, want %d: %v", link.Joins, len(hostileRunes()), err)
	}
	chats, err := db.AdministeredChats(t.Context())
	if err != nil || len(chats) < len(hostileRunes()) {
		t.Errorf("%d chats tracked, want at least %d: %v", len(chats), len(hostileRunes()), err)
	}
	// Their titles and names show, escaped, in the replies that list them.
	msg := h.send(groupID, alice, "/requests")
	srv.WaitFor(t, "the pages of /requests", func() bool {
		var all strings.Builder
		for _, p := range h.repliesTo(groupID, msg) {
			all.WriteString(p.PlainText)
		}
		for _, m := range srv.Messages(groupID) {
			if m.ReplyTo == 0 && len(m.Buttons) > 0 && strings.HasPrefix(m.Buttons[0][0].CallbackData, "rq:") { // a page of /requests
				all.WriteString(m.PlainText)
			}
		}
		return strings.Contains(all.String(), "Re\u202equester") && strings.Contains(all.String(), "bio \u200b end")
	})
}
