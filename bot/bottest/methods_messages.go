package bottest

import (
	"encoding/json"
	"net/url"
	"slices"
	"strings"

	"github.com/invitebot/invitebot/bot/bottest/internal/spec"
	"github.com/invitebot/invitebot/bot/bottest/internal/tghtml"
)

// maxMessageLength is Telegram's limit on a message's text after entity
// parsing. The fake counts UTF-16 code units, the unit of entity offsets;
// that is the strictest reading of "4096 characters".
const maxMessageLength = 4096

// message is a message in a chat: pushed by a test or sent by the bot.
type message struct {
	id         int
	chat       *chatState
	from       *User // nil for channel posts
	senderChat *Chat
	date       int64
	editDate   int64
	text       string // as a user reads it
	source     string // as the bot sent it
	parseMode  string
	entities   []tghtml.Entity
	replyTo    *message
	keyboard   [][]map[string]any // inline keyboard buttons as sent; nil if none
	media      *media             // a document or a photo, whose caption is the text (files.go)
	byBot      bool
	deleted    bool
}

func (m *message) hasCallbackData(data string) bool {
	for _, row := range m.keyboard {
		for _, b := range row {
			if d, ok := b["callback_data"].(string); ok && d == data {
				return true
			}
		}
	}
	return false
}

// Button is an inline keyboard button of a message the bot sent.
type Button struct{ Text, CallbackData, URL string }

// SentMessage is a message the bot sent.
type SentMessage struct {
	MessageID int
	ChatID    int64
	Text      string // the text as sent (the HTML source when ParseMode is HTML); a document's or photo's caption
	PlainText string // the text after parsing entities: what a user reads
	ParseMode string
	ReplyTo   int // the message replied to (from reply_parameters.message_id), or 0
	Buttons   [][]Button
	Document  *File // sent with sendDocument
	Photo     *File // sent with sendPhoto
	Edited    bool
	Deleted   bool // deleted by deleteMessage
}

// Messages returns the messages the bot sent to the chat, in order, as they
// are now (after edits).
func (s *Server) Messages(chatID int64) []SentMessage {
	s.mu.Lock()
	defer s.mu.Unlock()
	cs := s.chats[chatID]
	if cs == nil {
		return nil
	}
	out := make([]SentMessage, 0, len(cs.sent))
	for _, m := range cs.sent {
		sm := SentMessage{
			MessageID: m.id,
			ChatID:    chatID,
			Text:      m.source,
			PlainText: m.text,
			ParseMode: m.parseMode,
			Edited:    m.editDate != 0,
			Deleted:   m.deleted,
		}
		if m.replyTo != nil {
			sm.ReplyTo = m.replyTo.id
		}
		if m.media != nil {
			f := m.media.file
			if m.media.kind == "document" {
				sm.Document = &f
			} else {
				sm.Photo = &f
			}
		}
		for _, row := range m.keyboard {
			var r []Button
			for _, b := range row {
				text, _ := b["text"].(string)
				data, _ := b["callback_data"].(string)
				link, _ := b["url"].(string)
				r = append(r, Button{Text: text, CallbackData: data, URL: link})
			}
			sm.Buttons = append(sm.Buttons, r)
		}
		out = append(out, sm)
	}
	return out
}

// addIncomingLocked stores a message that someone other than the bot sent.
func (s *Server) addIncomingLocked(cs *chatState, from *User, senderChat *Chat, reply *message, text string) *message {
	cs.lastID++
	m := &message{id: cs.lastID, chat: cs, from: from, senderChat: senderChat, date: s.now().Unix(),
		text: text, source: text, replyTo: reply}
	if n := commandLength(text); n > 0 {
		m.entities = []tghtml.Entity{{Type: "bot_command", Offset: 0, Length: tghtml.UTF16Count(text[:n])}}
	}
	cs.messages[m.id] = m
	return m
}

// messageJSON renders a message as the real server writes it.
func (s *Server) messageJSON(m *message, withReply bool) object {
	o := object{{"message_id", m.id}}
	if m.from != nil {
		o.add("from", userJSON(*m.from))
	}
	if m.senderChat != nil {
		o.add("sender_chat", chatJSON(*m.senderChat))
	}
	o.add("chat", chatJSON(m.chat.chat))
	o.add("date", m.date)
	if m.editDate != 0 {
		o.add("edit_date", m.editDate)
	}
	if m.replyTo != nil && withReply && !m.replyTo.deleted {
		o.add("reply_to_message", s.messageJSON(m.replyTo, false))
	}
	textKey, entitiesKey := "text", "entities"
	if m.media != nil {
		o.add(m.media.kind, m.media.json())
		textKey, entitiesKey = "caption", "caption_entities"
	}
	if m.text != "" || m.media == nil {
		o.add(textKey, m.text)
	}
	if len(m.entities) > 0 {
		ents := make([]object, 0, len(m.entities))
		for _, e := range m.entities {
			ents = append(ents, s.entityJSON(e))
		}
		o.add(entitiesKey, ents)
	}
	if m.keyboard != nil {
		rows := make([][]object, len(m.keyboard))
		for i, row := range m.keyboard {
			rows[i] = make([]object, len(row))
			for j, b := range row {
				rows[i][j] = s.inSpecOrder("InlineKeyboardButton", b)
			}
		}
		o.add("reply_markup", object{{"inline_keyboard", rows}})
	}
	return o
}

func (s *Server) entityJSON(e tghtml.Entity) object {
	o := object{{"offset", e.Offset}, {"length", e.Length}, {"type", e.Type}}
	switch e.Type {
	case "text_link":
		o.add("url", e.URL)
	case "text_mention":
		o.add("user", userJSON(s.users[e.UserID]))
	case "pre":
		if e.Language != "" {
			o.add("language", e.Language)
		}
	case "custom_emoji":
		o.add("custom_emoji_id", e.CustomEmojiID)
	case "date_time":
		o.add("unix_time", e.UnixTime)
		if e.DateTimeFormat != "" {
			o.add("date_time_format", e.DateTimeFormat)
		}
	}
	return o
}

// inSpecOrder renders a decoded object with its fields in the order the
// specification lists them.
func (s *Server) inSpecOrder(typ string, v map[string]any) object {
	o := object{}
	for _, f := range s.spec.Types[typ].Fields {
		if x, ok := v[f.Name]; ok {
			o.add(f.Name, x)
		}
	}
	return o
}

// formatted is a text ready to be stored.
type formatted struct {
	text, source, parseMode string
	entities                []tghtml.Entity
}

// parseText reads text, parse_mode and entities, failing as the real
// server does before it looks at the chat.
func (s *Server) parseText(q *request) (formatted, *apiError) {
	src := q.str("text")
	if src == "" {
		return formatted{}, badRequest("message text is empty")
	}
	if len(src) > 1<<15 {
		return formatted{}, badRequest("text is too long")
	}
	return s.format(q, src, "entities")
}

// format reads src in the request's parse_mode, or with the explicit
// entities of entitiesParam.
func (s *Server) format(q *request, src, entitiesParam string) (formatted, *apiError) {
	f := formatted{source: src, parseMode: q.str("parse_mode")}
	switch mode := strings.ToLower(f.parseMode); mode {
	case "", "none":
		f.text = src
		if q.has(entitiesParam) {
			f.entities = s.decodeEntities(q.str(entitiesParam))
		}
	case "html":
		text, ents, err := tghtml.Parse(src)
		if err != nil {
			return formatted{}, badRequest("can't parse entities: %v", err)
		}
		f.text, f.entities = text, ents
	case "markdown", "markdownv2":
		s.t.Errorf("bottest: %s: parse_mode %s is not implemented by the fake server; use HTML or extend package bottest", q.method, f.parseMode)
		return formatted{}, badRequest("can't parse entities: parse_mode %s is not implemented by bottest", f.parseMode)
	default:
		return formatted{}, badRequest("unsupported parse_mode")
	}
	return f, nil
}

// finishText trims the text as Telegram stores it and checks its length.
func (s *Server) finishText(f formatted) (formatted, *apiError) {
	f = s.tidy(f)
	if f.text == "" {
		return f, badRequest("text must be non-empty")
	}
	if tghtml.UTF16Count(f.text) > maxMessageLength {
		return f, badRequest("message is too long")
	}
	return f, nil
}

// tidy trims a text as Telegram stores it and drops the mentions of users
// it can't resolve.
func (s *Server) tidy(f formatted) formatted {
	f.text, f.entities = tghtml.Trim(f.text, f.entities)
	kept := f.entities[:0:0]
	for _, e := range f.entities {
		if e.Type == "text_mention" {
			if _, ok := s.users[e.UserID]; !ok {
				continue
			}
		}
		kept = append(kept, e)
	}
	f.entities = kept
	return f
}

// decodeEntities reads an explicit entities parameter (checked against the
// spec already).
func (s *Server) decodeEntities(raw string) []tghtml.Entity {
	var in []struct {
		Type           string              `json:"type"`
		Offset         int                 `json:"offset"`
		Length         int                 `json:"length"`
		URL            string              `json:"url"`
		User           *struct{ ID int64 } `json:"user"`
		Language       string              `json:"language"`
		CustomEmojiID  string              `json:"custom_emoji_id"`
		UnixTime       int64               `json:"unix_time"`
		DateTimeFormat string              `json:"date_time_format"`
	}
	if json.Unmarshal([]byte(raw), &in) != nil {
		return nil
	}
	out := make([]tghtml.Entity, 0, len(in))
	for _, e := range in {
		ent := tghtml.Entity{Type: e.Type, Offset: e.Offset, Length: e.Length, URL: e.URL, Language: e.Language,
			CustomEmojiID: e.CustomEmojiID, UnixTime: e.UnixTime, DateTimeFormat: e.DateTimeFormat}
		if e.User != nil {
			ent.UserID = e.User.ID
		}
		if ent.Length > 0 {
			out = append(out, ent)
		}
	}
	tghtml.Sort(out)
	return out
}

// keyboard is a parsed reply_markup.
type keyboard struct {
	inline [][]map[string]any // nil if the markup is not an inline keyboard
}

// buttonKinds are the fields of which an inline keyboard button must have
// exactly one.
var buttonKinds = []string{"url", "callback_data", "web_app", "login_url", "switch_inline_query",
	"switch_inline_query_current_chat", "switch_inline_query_chosen_chat", "copy_text", "callback_game", "pay"}

// parseKeyboard reads reply_markup (checked against the spec already) and
// fails on buttons the real server can't parse.
func (s *Server) parseKeyboard(q *request) (keyboard, *apiError) {
	raw := q.str("reply_markup")
	if raw == "" || raw == "null" {
		return keyboard{}, nil
	}
	var inline [][]map[string]any
	v, err := spec.DecodeJSON([]byte(raw))
	if err != nil {
		return keyboard{}, badRequest("can't parse reply keyboard markup JSON object")
	}
	obj, _ := v.(map[string]any)
	rows, ok := obj["inline_keyboard"].([]any)
	if !ok {
		return keyboard{}, nil
	}
	for _, r := range rows {
		cells, _ := r.([]any)
		row := make([]map[string]any, 0, len(cells))
		for _, c := range cells {
			b, _ := c.(map[string]any)
			var kinds []string
			for _, k := range buttonKinds {
				switch x := b[k].(type) {
				case nil:
				case string:
					if x != "" || k != "callback_data" {
						kinds = append(kinds, k)
					}
				case bool:
					if x {
						kinds = append(kinds, k)
					}
				default:
					kinds = append(kinds, k)
				}
			}
			switch len(kinds) {
			case 0:
				return keyboard{}, badRequest("can't parse inline keyboard button: Text buttons are unallowed in the inline keyboard")
			case 1:
			default:
				return keyboard{}, badRequest("can't parse inline keyboard button: exactly one of %s must be used, found %s (bottest: the real server silently uses one)", strings.Join(buttonKinds, ", "), strings.Join(kinds, " and "))
			}
			row = append(row, b)
		}
		if len(row) > 0 {
			inline = append(inline, row)
		}
	}
	return keyboard{inline: inline}, nil // an empty keyboard removes the keyboard
}

// checkButtons applies the checks Telegram's servers make when the
// message is sent.
func checkButtons(kb keyboard) *apiError {
	for _, row := range kb.inline {
		for _, b := range row {
			if text, _ := b["text"].(string); strings.TrimSpace(text) == "" {
				return badRequest("BUTTON_TEXT_INVALID")
			}
			if data, ok := b["callback_data"].(string); ok && len(data) > 64 {
				return badRequest("BUTTON_DATA_INVALID")
			}
			if link, ok := b["url"].(string); ok {
				u, err := url.Parse(link)
				if err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "tg") ||
					(u.Scheme != "tg" && u.Host == "") {
					return badRequest("BUTTON_URL_INVALID")
				}
			}
		}
	}
	return nil
}

// canSend checks that the bot may post in the chat.
func (s *Server) canSend(cs *chatState) *apiError {
	bot := s.memberOf(cs, s.bot.ID)
	switch cs.chat.Type {
	case "group", "supergroup":
		if bot.Status == "restricted" {
			return badRequest("not enough rights to send text messages to the chat")
		}
	case "channel":
		if bot.Status != "administrator" && bot.Status != "creator" {
			return badRequest("need administrator rights in the channel chat")
		}
	}
	return nil
}

func (s *Server) sendMessage(q *request) (any, *apiError) {
	f, err := s.parseText(q)
	if err != nil {
		return nil, err
	}
	kb, err := s.parseKeyboard(q)
	if err != nil {
		return nil, err
	}
	cs, err := s.chatFor(q.str("chat_id"), sendAccess)
	if err != nil {
		return nil, err
	}
	if err := s.canSend(cs); err != nil {
		return nil, err
	}
	reply, err := s.replyTarget(cs, q)
	if err != nil {
		return nil, err
	}
	if f, err = s.finishText(f); err != nil {
		return nil, err
	}
	if err := checkButtons(kb); err != nil {
		return nil, err
	}
	return s.messageJSON(s.addSentLocked(cs, f, reply, kb, nil), true), nil
}

// addSentLocked stores a message the bot sent: from the bot, or on behalf
// of the channel in a channel.
func (s *Server) addSentLocked(cs *chatState, f formatted, reply *message, kb keyboard, md *media) *message {
	cs.lastID++
	m := &message{id: cs.lastID, chat: cs, date: s.now().Unix(), text: f.text, source: f.source,
		parseMode: f.parseMode, entities: f.entities, replyTo: reply, keyboard: kb.inline, media: md, byBot: true}
	if cs.chat.Type == "channel" {
		sender := cs.chat
		m.senderChat = &sender
	} else {
		bot := s.bot
		m.from = &bot
	}
	cs.messages[m.id] = m
	cs.sent = append(cs.sent, m)
	return m
}

// replyTarget resolves reply_parameters.
func (s *Server) replyTarget(cs *chatState, q *request) (*message, *apiError) {
	if !q.has("reply_parameters") || q.str("reply_parameters") == "null" {
		return nil, nil
	}
	var rp struct {
		MessageID                int             `json:"message_id"`
		ChatID                   json.RawMessage `json:"chat_id"`
		AllowSendingWithoutReply bool            `json:"allow_sending_without_reply"`
	}
	if json.Unmarshal([]byte(q.str("reply_parameters")), &rp) != nil {
		return nil, badRequest("can't parse reply parameters JSON object")
	}
	target := cs
	if len(rp.ChatID) > 0 && string(rp.ChatID) != "null" {
		id := strings.Trim(string(rp.ChatID), `"`)
		other, err := s.resolveChat(id)
		if err != nil {
			return nil, err
		}
		target = other
	}
	if m := target.messages[rp.MessageID]; m != nil && !m.deleted {
		return m, nil
	}
	if rp.AllowSendingWithoutReply {
		return nil, nil
	}
	return nil, badRequest("message to be replied not found")
}

// messageFor finds the message an edit or delete names.
func (s *Server) messageFor(q *request, need access, what string) (*message, *apiError) {
	if !q.has("chat_id") {
		if q.has("inline_message_id") {
			s.t.Errorf("bottest: %s: inline messages are not implemented by the fake server", q.method)
			return nil, badRequest("MESSAGE_ID_INVALID")
		}
		return nil, badRequest("chat_id is empty")
	}
	cs, err := s.chatFor(q.str("chat_id"), need)
	if err != nil {
		return nil, err
	}
	if !q.has("message_id") {
		return nil, badRequest("message identifier is not specified")
	}
	m := cs.messages[int(q.int64("message_id"))]
	if m == nil || m.deleted {
		return nil, badRequest("%s not found", what)
	}
	return m, nil
}

func (s *Server) editMessageText(q *request) (any, *apiError) {
	f, err := s.parseText(q)
	if err != nil {
		return nil, err
	}
	kb, err := s.parseKeyboard(q)
	if err != nil {
		return nil, err
	}
	m, err := s.messageFor(q, editAccess, "message to edit")
	if err != nil {
		return nil, err
	}
	if !m.byBot {
		return nil, badRequest("message can't be edited")
	}
	if m.media != nil {
		return nil, badRequest("there is no text in the message to edit")
	}
	if f, err = s.finishText(f); err != nil {
		return nil, err
	}
	if err := checkButtons(kb); err != nil {
		return nil, err
	}
	// Without reply_markup, the edit removes the message's keyboard.
	if m.text == f.text && slices.Equal(m.entities, f.entities) && sameKeyboard(m.keyboard, kb.inline) {
		return nil, badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
	}
	m.text, m.source, m.parseMode, m.entities, m.keyboard = f.text, f.source, f.parseMode, f.entities, kb.inline
	m.editDate = s.now().Unix()
	return s.messageJSON(m, true), nil
}

func (s *Server) editMessageReplyMarkup(q *request) (any, *apiError) {
	kb, err := s.parseKeyboard(q)
	if err != nil {
		return nil, err
	}
	m, err := s.messageFor(q, editAccess, "message to edit")
	if err != nil {
		return nil, err
	}
	if !m.byBot {
		return nil, badRequest("message can't be edited")
	}
	if err := checkButtons(kb); err != nil {
		return nil, err
	}
	if sameKeyboard(m.keyboard, kb.inline) {
		return nil, badRequest("message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message")
	}
	m.keyboard = kb.inline
	m.editDate = s.now().Unix()
	return s.messageJSON(m, true), nil
}

// sameKeyboard compares keyboards; an empty keyboard is no keyboard.
func sameKeyboard(a, b [][]map[string]any) bool {
	if len(a) == 0 || len(b) == 0 {
		return len(a) == 0 && len(b) == 0
	}
	return string(mustEncode(a)) == string(mustEncode(b))
}

func (s *Server) deleteMessage(q *request) (any, *apiError) {
	m, err := s.messageFor(q, writeAccess, "message to delete")
	if err != nil {
		return nil, err
	}
	if !m.byBot && m.chat.chat.Type != "private" {
		if st := s.memberOf(m.chat, s.bot.ID).Status; st != "administrator" && st != "creator" {
			return nil, badRequest("message can't be deleted")
		}
	}
	m.deleted = true
	return true, nil
}

var chatActions = map[string]bool{"typing": true, "upload_photo": true, "record_video": true, "upload_video": true,
	"record_voice": true, "upload_voice": true, "upload_document": true, "choose_sticker": true,
	"find_location": true, "record_video_note": true, "upload_video_note": true}

func (s *Server) sendChatAction(q *request) (any, *apiError) {
	cs, err := s.chatFor(q.str("chat_id"), sendAccess)
	if err != nil {
		return nil, err
	}
	if !chatActions[q.str("action")] {
		return nil, badRequest("wrong parameter action in request")
	}
	if err := s.canSend(cs); err != nil {
		return nil, err
	}
	return true, nil
}

// CallbackAnswer is the bot's answer to a callback query.
type CallbackAnswer struct {
	QueryID, Text string
	ShowAlert     bool
}

// CallbackAnswers returns the bot's answers to callback queries, in order.
func (s *Server) CallbackAnswers() []CallbackAnswer {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]CallbackAnswer(nil), s.answers...)
}

func (s *Server) answerCallbackQuery(q *request) (any, *apiError) {
	id := q.str("callback_query_id")
	cq := s.queries[id]
	if cq == nil || cq.answered {
		return nil, badRequest("query is too old and response timeout expired or query ID is invalid")
	}
	if tghtml.UTF16Count(q.str("text")) > 200 {
		return nil, badRequest("MESSAGE_TOO_LONG")
	}
	cq.answered = true
	s.answers = append(s.answers, CallbackAnswer{QueryID: id, Text: q.str("text"), ShowAlert: q.bool("show_alert")})
	return true, nil
}
