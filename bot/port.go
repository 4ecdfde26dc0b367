package bot

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	tgbotapi "github.com/go-telegram-bot-api/telegram-bot-api/v5"
)

// The typed calls: what invitebot asks of Telegram, in its own terms. Only
// these build Bot API parameters, decode results and read Telegram's error
// texts; their errors wrap the sentinels of errors.go (and ErrUnsure),
// never a text for users.

// InviteLink is an invite link as Telegram describes it.
type InviteLink struct {
	URL         string
	Name        string
	ExpiresAt   time.Time // zero: never
	MemberLimit int       // 0: none
	JoinRequest bool
	Primary     bool
	Revoked     bool
}

// LinkSpec is what a link should be. An edit sends all of it: Telegram
// resets what an edit leaves out.
type LinkSpec struct {
	Name        string
	ExpiresAt   time.Time // zero: never
	MemberLimit int       // 0: none
	JoinRequest bool
}

// ChatMember is a person's standing in a chat.
type ChatMember struct {
	Status         string // "creator", "administrator", "member", "restricted", "left", "kicked"
	CanInviteUsers bool   // an administrator's right
	IsMember       bool   // for "restricted": still in the chat
}

// linkResult is a ChatInviteLink as the Bot API writes it.
type linkResult struct {
	InviteLink         string `json:"invite_link"`
	Name               string `json:"name"`
	ExpireDate         int64  `json:"expire_date"`
	MemberLimit        int    `json:"member_limit"`
	CreatesJoinRequest bool   `json:"creates_join_request"`
	IsPrimary          bool   `json:"is_primary"`
	IsRevoked          bool   `json:"is_revoked"`
}

func (l linkResult) link() InviteLink {
	out := InviteLink{URL: l.InviteLink, Name: l.Name, MemberLimit: l.MemberLimit,
		JoinRequest: l.CreatesJoinRequest, Primary: l.IsPrimary, Revoked: l.IsRevoked}
	if l.ExpireDate > 0 {
		out.ExpiresAt = time.Unix(l.ExpireDate, 0).UTC()
	}
	return out
}

func chatParam(id int64) string { return strconv.FormatInt(id, 10) }

// call makes a typed call: its refusals become the sentinels.
func (c *Client) call(ctx context.Context, method string, params tgbotapi.Params, result any) error {
	return refused(c.Call(ctx, method, params, result))
}

// ExportLink makes a new primary link for the chat (exportChatInviteLink),
// which revokes the bot's previous one, and returns its URL.
func (c *Client) ExportLink(ctx context.Context, chatID int64) (string, error) {
	var url string
	err := c.call(ctx, "exportChatInviteLink", tgbotapi.Params{"chat_id": chatParam(chatID)}, &url)
	return url, err
}

// linkParams are spec as parameters; edit sends every field, as an edit
// resets what it does not get.
func linkParams(chatID int64, spec LinkSpec, edit bool) tgbotapi.Params {
	p := tgbotapi.Params{"chat_id": chatParam(chatID)}
	if spec.Name != "" {
		p["name"] = spec.Name
	}
	if !spec.ExpiresAt.IsZero() {
		p["expire_date"] = strconv.FormatInt(spec.ExpiresAt.Unix(), 10)
	}
	if spec.MemberLimit > 0 {
		p["member_limit"] = strconv.Itoa(spec.MemberLimit)
	}
	if spec.JoinRequest || edit {
		p["creates_join_request"] = strconv.FormatBool(spec.JoinRequest)
	}
	return p
}

// CreateLink makes an additional invite link (createChatInviteLink).
func (c *Client) CreateLink(ctx context.Context, chatID int64, spec LinkSpec) (InviteLink, error) {
	var l linkResult
	err := c.call(ctx, "createChatInviteLink", linkParams(chatID, spec, false), &l)
	return l.link(), err
}

// EditLink gives the bot's link url the settings of spec (editChatInviteLink).
func (c *Client) EditLink(ctx context.Context, chatID int64, url string, spec LinkSpec) (InviteLink, error) {
	p := linkParams(chatID, spec, true)
	p["invite_link"] = url
	var l linkResult
	err := c.call(ctx, "editChatInviteLink", p, &l)
	return l.link(), err
}

// RevokeLink revokes the bot's link url (revokeChatInviteLink).
func (c *Client) RevokeLink(ctx context.Context, chatID int64, url string) (InviteLink, error) {
	var l linkResult
	err := c.call(ctx, "revokeChatInviteLink", tgbotapi.Params{"chat_id": chatParam(chatID), "invite_link": url}, &l)
	return l.link(), err
}

// ApproveRequest approves userID's join request (approveChatJoinRequest).
func (c *Client) ApproveRequest(ctx context.Context, chatID, userID int64) error {
	return c.call(ctx, "approveChatJoinRequest", tgbotapi.Params{"chat_id": chatParam(chatID), "user_id": chatParam(userID)}, nil)
}

// DeclineRequest declines userID's join request (declineChatJoinRequest).
func (c *Client) DeclineRequest(ctx context.Context, chatID, userID int64) error {
	return c.call(ctx, "declineChatJoinRequest", tgbotapi.Params{"chat_id": chatParam(chatID), "user_id": chatParam(userID)}, nil)
}

// JoinQueryResult is a guard bot's answer to a join request query.
type JoinQueryResult string

const (
	JoinApprove JoinQueryResult = "approve"
	JoinDecline JoinQueryResult = "decline"
	// JoinQueue leaves the request to the chat's administrators.
	JoinQueue JoinQueryResult = "queue"
)

// AnswerJoinQuery answers the join request query of a chat whose guard bot
// the bot is (answerChatJoinRequestQuery, Bot API 10.1). It must come
// within 10 seconds of the request; a late or second answer fails with
// ErrQueryGone, and the request then waits for the administrators.
func (c *Client) AnswerJoinQuery(ctx context.Context, queryID string, result JoinQueryResult) error {
	return c.call(ctx, "answerChatJoinRequestQuery", tgbotapi.Params{
		"chat_join_request_query_id": queryID, "result": string(result)}, nil)
}

// ShowJoinWebApp answers a join request query by showing the requester the
// Mini App at url, an https:// address (sendChatJoinRequestWebApp); the
// query may then be answered later, while the request is pending. The same
// deadline and ErrQueryGone as AnswerJoinQuery.
func (c *Client) ShowJoinWebApp(ctx context.Context, queryID, url string) error {
	return c.call(ctx, "sendChatJoinRequestWebApp", tgbotapi.Params{
		"chat_join_request_query_id": queryID, "web_app_url": url}, nil)
}

// Member tells userID's standing in the chat (getChatMember).
func (c *Client) Member(ctx context.Context, chatID, userID int64) (ChatMember, error) {
	var m struct {
		Status         string `json:"status"`
		CanInviteUsers bool   `json:"can_invite_users"`
		IsMember       bool   `json:"is_member"`
	}
	err := c.call(ctx, "getChatMember", tgbotapi.Params{"chat_id": chatParam(chatID), "user_id": chatParam(userID)}, &m)
	return ChatMember(m), err
}

// Send sends m (sendMessage, HTML, no link previews) and returns the new
// message's ID.
func (c *Client) Send(ctx context.Context, m Outgoing) (int, error) {
	params, err := messageParams(m)
	if err != nil {
		return 0, err
	}
	var sent struct {
		MessageID int `json:"message_id"`
	}
	if err := c.call(ctx, "sendMessage", params, &sent); err != nil {
		return 0, err
	}
	return sent.MessageID, nil
}

// Typing shows "typing…" in a chat (sendChatAction). Sent to a person,
// it tells, by succeeding or failing with ErrBlocked, whether the bot may
// write to them, without a message.
func (c *Client) Typing(ctx context.Context, chatID int64) error {
	return c.call(ctx, "sendChatAction", tgbotapi.Params{"chat_id": chatParam(chatID), "action": "typing"}, nil)
}

// Edit replaces the text and the buttons (none if nil) of the bot's
// message (editMessageText). An edit that changes nothing is not an error.
func (c *Client) Edit(ctx context.Context, chatID int64, messageID int, text string, buttons [][]Button) error {
	params := tgbotapi.Params{
		"chat_id":              chatParam(chatID),
		"message_id":           strconv.Itoa(messageID),
		"text":                 text,
		"parse_mode":           "HTML",
		"link_preview_options": `{"is_disabled":true}`,
	}
	if len(buttons) > 0 {
		markup, err := keyboardJSON(buttons)
		if err != nil {
			return err
		}
		params["reply_markup"] = markup
	}
	err := c.Call(ctx, "editMessageText", params, nil)
	if notModified(err) {
		return nil
	}
	return refused(err)
}

// EditButtons replaces the buttons of the bot's message, keeping its text
// (editMessageReplyMarkup); nil removes them. An edit that changes nothing
// is not an error.
func (c *Client) EditButtons(ctx context.Context, chatID int64, messageID int, buttons [][]Button) error {
	markup, err := keyboardJSON(buttons)
	if err != nil {
		return err
	}
	err = c.Call(ctx, "editMessageReplyMarkup", tgbotapi.Params{
		"chat_id":      chatParam(chatID),
		"message_id":   strconv.Itoa(messageID),
		"reply_markup": markup,
	}, nil)
	if notModified(err) {
		return nil
	}
	return refused(err)
}

// AnswerButton answers a button press (answerCallbackQuery); text, if any,
// is shown to the presser, as an alert when alert is set.
func (c *Client) AnswerButton(ctx context.Context, queryID, text string, alert bool) error {
	params := tgbotapi.Params{"callback_query_id": queryID}
	if text != "" {
		params["text"] = text
	}
	if alert {
		params["show_alert"] = "true"
	}
	return c.call(ctx, "answerCallbackQuery", params, nil)
}

// BotCommand is a command of the bot's menu.
type BotCommand struct {
	Command     string `json:"command"`
	Description string `json:"description"`
}

// DeleteWebhook removes a webhook, if any, keeping the pending updates
// (deleteWebhook), so that getUpdates may poll.
func (c *Client) DeleteWebhook(ctx context.Context) error {
	return c.call(ctx, "deleteWebhook", tgbotapi.Params{"drop_pending_updates": "false"}, nil)
}

// SetCommands registers the menu of commands for the scope (a
// BotCommandScope type such as "all_private_chats") and the language (a
// two-letter code; "" for everyone without a menu of their language).
func (c *Client) SetCommands(ctx context.Context, scope, lang string, cmds []BotCommand) error {
	list, err := json.Marshal(cmds)
	if err != nil {
		return err
	}
	p := tgbotapi.Params{"commands": string(list), "scope": `{"type":` + strconv.Quote(scope) + `}`}
	if lang != "" {
		p["language_code"] = lang
	}
	return c.call(ctx, "setMyCommands", p, nil)
}

// SetDefaultAdminRights suggests the rights the bot asks for when someone
// makes it an admin of a group, or of a channel (setMyDefaultAdministratorRights).
func (c *Client) SetDefaultAdminRights(ctx context.Context, rights map[string]bool, forChannels bool) error {
	r, err := json.Marshal(rights)
	if err != nil {
		return err
	}
	p := tgbotapi.Params{"rights": string(r)}
	if forChannels {
		p["for_channels"] = "true"
	}
	return c.call(ctx, "setMyDefaultAdministratorRights", p, nil)
}
