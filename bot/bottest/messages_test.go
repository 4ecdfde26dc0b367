package bottest

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

func TestSendMessageHTML(t *testing.T) {
	srv := newWorld(t)
	params := func(text string) map[string]string {
		return map[string]string{"chat_id": id(group), "text": text, "parse_mode": "HTML"}
	}
	var sent struct {
		Text     string `json:"text"`
		Entities []struct {
			Type string `json:"type"`
			URL  string `json:"url"`
		} `json:"entities"`
	}
	json.Unmarshal(mustPost(t, srv, "sendMessage", params(`  Join <a href="https://t.me/+abc">here</a> &amp; enjoy `)), &sent)
	if sent.Text != "Join here & enjoy" || len(sent.Entities) != 1 || sent.Entities[0].URL != "https://t.me/+abc" {
		t.Errorf("sent = %+v", sent)
	}
	m := srv.Messages(group)[0]
	if m.Text != `  Join <a href="https://t.me/+abc">here</a> &amp; enjoy ` || m.PlainText != "Join here & enjoy" || m.ParseMode != "HTML" {
		t.Errorf("stored %+v", m)
	}
	for html, desc := range map[string]string{
		`a < b`:         `Bad Request: can't parse entities: Unsupported start tag "" at byte offset 2`,
		`<blink>x`:      `Bad Request: can't parse entities: Unsupported start tag "blink" at byte offset 0`,
		`<b>x`:          `Bad Request: can't parse entities: Can't find end tag corresponding to start tag "b"`,
		`R&D`:           `Bad Request: can't parse entities: Unescaped "&" at byte offset 1; write it as &amp;`,
		`<b> </b>`:      `Bad Request: text must be non-empty`,
		`<i>x</i>  `:    "",
		"\n\t\n<b></b>": `Bad Request: text must be non-empty`,
	} {
		if desc == "" {
			mustPost(t, srv, "sendMessage", params(html))
			continue
		}
		wantError(t, srv, "sendMessage", params(html), 400, desc)
	}
	wantError(t, srv, "sendMessage", map[string]string{"chat_id": id(group), "text": "x", "parse_mode": "html5"}, 400, "Bad Request: unsupported parse_mode")
}

func TestMessageLength(t *testing.T) {
	srv := newWorld(t)
	send := func(text string) (int, envelope) {
		status, env, _ := post(t, srv, "sendMessage", map[string]string{"chat_id": id(group), "text": text})
		return status, env
	}
	fits := strings.Repeat("a", 4094) + "😀" // 4096 UTF-16 units
	if status, env := send(fits); status != 200 {
		t.Errorf("4096 units: %d %s", status, env.Description)
	}
	if status, env := send(fits + "a"); status != 400 || env.Description != "Bad Request: message is too long" {
		t.Errorf("4097 units: %d %s", status, env.Description)
	}
	// 2049 emoji are 2049 characters but 4098 UTF-16 units.
	if status, env := send(strings.Repeat("😀", 2049)); status != 400 || env.Description != "Bad Request: message is too long" {
		t.Errorf("2049 emoji: %d %s", status, env.Description)
	}
	// Markup does not count.
	html := "<b>" + strings.Repeat("a", 4096) + "</b>"
	if status, env, _ := post(t, srv, "sendMessage", map[string]string{"chat_id": id(group), "text": html, "parse_mode": "HTML"}); status != 200 {
		t.Errorf("4096 bold characters: %d %s", status, env.Description)
	}
	wantError(t, srv, "sendMessage", map[string]string{"chat_id": id(group), "text": ""}, 400, "Bad Request: message text is empty")
}

func TestSendMessageChecksTheChat(t *testing.T) {
	srv := newWorld(t)
	srv.AddChat(Chat{ID: -1002222222222, Type: "supergroup", Title: "Left"})
	srv.SetMember(-1002222222222, srv.Bot().ID, Member{Status: "left"})
	srv.AddChat(Chat{ID: -3333, Type: "group", Title: "Basic"})
	srv.SetMember(-3333, srv.Bot().ID, Member{Status: "kicked"})
	srv.SetMember(bob, srv.Bot().ID, Member{Status: "kicked"})
	for chat, desc := range map[string]string{
		"-1009999999999":       "Bad Request: chat not found",
		"@no_such_chat":        "Bad Request: chat not found",
		"-1002222222222":       "Forbidden: bot is not a member of the supergroup chat",
		"-3333":                "Forbidden: bot was kicked from the group chat",
		id(bob):                "Forbidden: bot was blocked by the user",
		id(carol):              "Forbidden: bot can't initiate conversation with a user",
		"@invite_test_channel": "Bad Request: need administrator rights in the channel chat",
	} {
		code := 400
		if strings.HasPrefix(desc, "Forbidden") {
			code = 403
		}
		if chat == "@invite_test_channel" {
			srv.SetMember(channel, srv.Bot().ID, Member{Status: "member"})
		}
		wantError(t, srv, "sendMessage", map[string]string{"chat_id": chat, "text": "hi"}, code, desc)
	}
	if b := fixture(t, "error.chat_not_found.json"); !strings.Contains(b, "chat not found") {
		t.Errorf("fixture %s", b)
	}
	srv.StartPrivateChat(alice)
	mustPost(t, srv, "sendMessage", map[string]string{"chat_id": id(alice), "text": "private"})
}

func TestReplyParameters(t *testing.T) {
	srv := newWorld(t)
	_, asked := srv.PushMessage(group, alice, "/invite")
	bot := newBot(t, srv)
	reply := func(messageID int, allow bool) (tgbotapi.Message, error) {
		rp, _ := json.Marshal(map[string]any{"message_id": messageID, "allow_sending_without_reply": allow})
		resp, err := bot.MakeRequest("sendMessage", tgbotapi.Params{"chat_id": id(group), "text": "here", "reply_parameters": string(rp)})
		var m tgbotapi.Message
		if err == nil {
			json.Unmarshal(resp.Result, &m)
		}
		return m, err
	}
	m, err := reply(asked, false)
	if err != nil || m.ReplyToMessage == nil || m.ReplyToMessage.Text != "/invite" {
		t.Errorf("reply: %+v, %v", m, err)
	}
	_, err = reply(999, false)
	var apiErr *tgbotapi.Error
	if !errors.As(err, &apiErr) || apiErr.Message != "Bad Request: message to be replied not found" {
		t.Errorf("reply to a missing message: %v", err)
	}
	if m, err := reply(999, true); err != nil || m.ReplyToMessage != nil {
		t.Errorf("allow_sending_without_reply: %+v, %v", m, err)
	}
	msgs := srv.Messages(group)
	if len(msgs) != 2 || msgs[0].ReplyTo != asked || msgs[1].ReplyTo != 0 {
		t.Errorf("messages = %+v", msgs)
	}
	if msgs[0].MessageID <= asked {
		t.Errorf("the bot's message id %d must follow the pushed %d", msgs[0].MessageID, asked)
	}
}

func TestInlineKeyboards(t *testing.T) {
	srv := newWorld(t)
	kb := func(buttons ...string) map[string]string {
		return map[string]string{"chat_id": id(group), "text": "pick", "reply_markup": `{"inline_keyboard":[[` + strings.Join(buttons, ",") + `]]}`}
	}
	mustPost(t, srv, "sendMessage", kb(`{"text":"ok","callback_data":"`+strings.Repeat("x", 64)+`"}`))
	wantError(t, srv, "sendMessage", kb(`{"text":"long","callback_data":"`+strings.Repeat("x", 65)+`"}`), 400, "Bad Request: BUTTON_DATA_INVALID")
	wantError(t, srv, "sendMessage", kb(`{"text":"","callback_data":"x"}`), 400, "Bad Request: BUTTON_TEXT_INVALID")
	wantError(t, srv, "sendMessage", kb(`{"text":"plain"}`), 400, "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
	wantError(t, srv, "sendMessage", kb(`{"text":"empty data","callback_data":""}`), 400, "Bad Request: can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
	wantError(t, srv, "sendMessage", kb(`{"text":"bad url","url":"example"}`), 400, "Bad Request: BUTTON_URL_INVALID")
	status, env, _ := post(t, srv, "sendMessage", kb(`{"text":"two","url":"https://example.com","callback_data":"x"}`))
	if status != 400 || !strings.Contains(env.Description, "exactly one of") {
		t.Errorf("two kinds: %d %s", status, env.Description)
	}
	if n := len(srv.Messages(group)); n != 1 {
		t.Errorf("%d messages stored, want 1", n)
	}
}

func TestCallbackQueries(t *testing.T) {
	srv := newWorld(t)
	bot := newBot(t, srv)
	msg := tgbotapi.NewMessage(group, "Revoke?")
	msg.ReplyMarkup = tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("Yes", "revoke:1")))
	sent, err := bot.Send(msg)
	if err != nil {
		t.Fatal(err)
	}
	_, queryID := srv.PushCallback(alice, group, sent.MessageID, "revoke:1")
	us, err := bot.GetUpdates(tgbotapi.UpdateConfig{AllowedUpdates: []string{"callback_query"}})
	if err != nil {
		t.Fatal(err)
	}
	cq := us[0].CallbackQuery
	if cq == nil || cq.ID != queryID || cq.Data != "revoke:1" || cq.From.ID != alice || cq.Message.MessageID != sent.MessageID ||
		cq.Message.ReplyMarkup == nil || cq.Message.ReplyMarkup.InlineKeyboard[0][0].Text != "Yes" {
		t.Fatalf("callback_query = %+v", cq)
	}
	if _, err := bot.Request(tgbotapi.NewCallback(queryID, "Revoked")); err != nil {
		t.Errorf("answer: %v", err)
	}
	if a := srv.CallbackAnswers(); len(a) != 1 || a[0] != (CallbackAnswer{QueryID: queryID, Text: "Revoked"}) {
		t.Errorf("answers = %+v", a)
	}
	tooOld := "Bad Request: query is too old and response timeout expired or query ID is invalid"
	wantError(t, srv, "answerCallbackQuery", map[string]string{"callback_query_id": queryID}, 400, tooOld)
	wantError(t, srv, "answerCallbackQuery", map[string]string{"callback_query_id": "123"}, 400, tooOld)
	_, second := srv.PushCallback(alice, group, sent.MessageID, "revoke:1")
	wantError(t, srv, "answerCallbackQuery", map[string]string{"callback_query_id": second, "text": strings.Repeat("a", 201)}, 400, "Bad Request: MESSAGE_TOO_LONG")
	mustPost(t, srv, "answerCallbackQuery", map[string]string{"callback_query_id": second, "text": strings.Repeat("a", 200), "show_alert": "true"})

	_, inline := srv.PushCallbackNoMessage(bob, "AgAAAJw", "x")
	us, _ = bot.GetUpdates(tgbotapi.UpdateConfig{Offset: us[0].UpdateID + 2, AllowedUpdates: []string{"callback_query"}})
	if len(us) != 1 || us[0].CallbackQuery.ID != inline || us[0].CallbackQuery.Message != nil || us[0].CallbackQuery.InlineMessageID != "AgAAAJw" {
		t.Errorf("inline callback: %+v", us)
	}

	rec := newRecorder(t)
	strict := newWorld(rec)
	strict.PushCallback(alice, group, sent.MessageID, "revoke:1") // no such message there
	if len(rec.Fatals()) != 1 {
		t.Errorf("PushCallback on a missing message reported %q", rec.Fatals())
	}
	srv2 := newWorld(rec)
	sent2 := mustPost(t, srv2, "sendMessage", map[string]string{"chat_id": id(group), "text": "x",
		"reply_markup": `{"inline_keyboard":[[{"text":"a","callback_data":"a"}]]}`})
	var m struct {
		ID int `json:"message_id"`
	}
	json.Unmarshal(sent2, &m)
	srv2.PushCallback(alice, group, m.ID, "forged")
	if len(rec.Fatals()) != 2 {
		t.Errorf("PushCallback with data of no button reported %q", rec.Fatals())
	}
}

func TestEditAndDelete(t *testing.T) {
	srv := newWorld(t)
	bot := newBot(t, srv)
	markup := tgbotapi.NewInlineKeyboardMarkup(tgbotapi.NewInlineKeyboardRow(tgbotapi.NewInlineKeyboardButtonData("A", "a")))
	msg := tgbotapi.NewMessage(group, "text")
	msg.ReplyMarkup = markup
	sent, err := bot.Send(msg)
	if err != nil {
		t.Fatal(err)
	}
	notModified := "Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message"
	same := tgbotapi.NewEditMessageTextAndMarkup(group, sent.MessageID, "text", markup)
	_, err = bot.Send(same)
	var apiErr *tgbotapi.Error
	if !errors.As(err, &apiErr) || apiErr.Message != notModified {
		t.Errorf("same edit: %v", err)
	}
	// Editing the text without reply_markup removes the keyboard.
	edited, err := bot.Send(tgbotapi.NewEditMessageText(group, sent.MessageID, "text"))
	if err != nil || edited.ReplyMarkup != nil || edited.EditDate == 0 {
		t.Errorf("edit without markup: %+v, %v", edited, err)
	}
	if m := srv.Messages(group)[0]; !m.Edited || m.Buttons != nil {
		t.Errorf("after the edit: %+v", m)
	}
	if _, err := bot.Send(tgbotapi.NewEditMessageReplyMarkup(group, sent.MessageID, markup)); err != nil {
		t.Errorf("editMessageReplyMarkup: %v", err)
	}
	if m := srv.Messages(group)[0]; len(m.Buttons) != 1 || m.Buttons[0][0].CallbackData != "a" {
		t.Errorf("after editMessageReplyMarkup: %+v", m)
	}
	wantError(t, srv, "editMessageText", map[string]string{"chat_id": id(group), "message_id": "999", "text": "x"}, 400, "Bad Request: message to edit not found")
	_, userMsg := srv.PushMessage(group, alice, "/hi")
	wantError(t, srv, "editMessageText", map[string]string{"chat_id": id(group), "message_id": id(int64(userMsg)), "text": "x"}, 400, "Bad Request: message can't be edited")

	if _, err := bot.Request(tgbotapi.NewDeleteMessage(group, sent.MessageID)); err != nil {
		t.Errorf("delete: %v", err)
	}
	if m := srv.Messages(group)[0]; !m.Deleted {
		t.Errorf("after delete: %+v", m)
	}
	wantError(t, srv, "deleteMessage", map[string]string{"chat_id": id(group), "message_id": id(int64(sent.MessageID))}, 400, "Bad Request: message to delete not found")
	srv.SetMember(group, srv.Bot().ID, Member{Status: "member"})
	wantError(t, srv, "deleteMessage", map[string]string{"chat_id": id(group), "message_id": id(int64(userMsg))}, 400, "Bad Request: message can't be deleted")
}

func TestSendChatAction(t *testing.T) {
	srv := newWorld(t)
	wantError(t, srv, "sendChatAction", map[string]string{"chat_id": id(alice), "action": "typing"}, 403, "Forbidden: bot can't initiate conversation with a user")
	srv.StartPrivateChat(alice)
	mustPost(t, srv, "sendChatAction", map[string]string{"chat_id": id(alice), "action": "typing"})
	wantError(t, srv, "sendChatAction", map[string]string{"chat_id": id(alice), "action": "dancing"}, 400, "Bad Request: wrong parameter action in request")
}
