package storecopy

// Shorthands for the lists below.
func i(name string) Column  { return Column{name, Int} }
func s(name string) Column  { return Column{name, Text} }
func b(name string) Column  { return Column{name, Bool} }
func bs(name string) Column { return Column{name, Bytes} }

// Tables is every table of the store, in the order Copy fills them (a
// table after those it refers to). Both stores' migrations make exactly
// these tables and columns (TestTablesMatchSchemas), but for their own
// bookkeeping: SQLite's user_version, PostgreSQL's schema_migrations and
// link_numbers (which a PostgreSQL Writer's Finish fills from links).
var Tables = []Table{
	{Name: "links", Serial: "id", Key: []string{"id"}, Columns: []Column{
		i("id"), i("chat_id"), i("number"), s("url"), s("name"), s("name_key"), i("expires_at"),
		i("member_limit"), b("join_request"), b("is_primary"), i("created_by"), i("created_at"),
		i("edited_by"), i("edited_at"), i("revoked_by"), i("revoked_at"), i("joins"), s("request"),
		s("join_mode"), i("price"),
	}},
	{Name: "updates", Key: []string{"update_id"}, Columns: []Column{
		i("update_id"), bs("raw"), i("received_at"),
	}},
	{Name: "state", Key: []string{"key"}, Columns: []Column{
		s("key"), i("value"),
	}, Seed: [][]any{{"last_update_id", int64(0)}}},
	{Name: "chats", Key: []string{"id"}, Columns: []Column{
		i("id"), s("type"), s("title"), s("username"), s("bot_status"), b("bot_can_invite"), i("updated_at"),
	}},
	{Name: "chosen_chats", Key: []string{"user_id"}, Columns: []Column{
		i("user_id"), i("chat_id"), i("chosen_at"),
	}},
	{Name: "join_requests", Key: []string{"chat_id", "user_id"}, Columns: []Column{
		i("chat_id"), i("user_id"), s("first_name"), s("last_name"), s("username"), s("bio"),
		s("invite_link"), i("user_chat_id"), i("requested_at"), s("state"), i("answered_by"),
		i("answered_at"), b("counted"), b("joined"), s("query_id"), s("mode"), b("unreachable"),
	}},
	{Name: "joins", Key: []string{"chat_id", "user_id", "invite_link", "joined_at"}, Columns: []Column{
		i("chat_id"), i("user_id"), s("invite_link"), i("joined_at"),
	}},
	{Name: "chat_moves", Key: []string{"from_id"}, Columns: []Column{
		i("from_id"), i("to_id"),
	}},
	{Name: "chat_settings", Key: []string{"chat_id"}, Columns: []Column{
		i("chat_id"), s("language"), s("replies"), i("updated_by"), i("updated_at"), s("join_mode"),
		i("verify_wait"), s("rules"),
	}},
	{Name: "notify_subscriptions", Key: []string{"chat_id", "user_id"}, Columns: []Column{
		i("chat_id"), i("user_id"), s("language"), i("created_at"),
	}},
	{Name: "notifications", Serial: "id", Key: []string{"id"}, Columns: []Column{
		i("id"), i("chat_id"), i("requester_id"), i("requested_at"), i("admin_id"), s("language"),
		s("state"), i("message_id"), i("sent_at"), s("outcome"), b("edited"),
	}},
	{Name: "notification_summaries", Key: []string{"admin_id", "chat_id"}, Columns: []Column{
		i("admin_id"), i("chat_id"), i("sent_at"), i("backlog_since"),
	}},
	{Name: "button_messages", Key: []string{"chat_id", "message_id"}, Columns: []Column{
		i("chat_id"), i("message_id"), s("kind"), i("target_id"), s("items"), s("title"), i("user_id"),
		i("parent_id"), i("expires_at"), i("created_at"),
	}},
	{Name: "pending_commands", Key: []string{"token"}, Columns: []Column{
		s("token"), i("user_id"), i("chat_id"), s("command"), s("args"), i("created_at"),
	}},
	{Name: "verifications", Key: []string{"chat_id", "user_id", "requested_at"}, Columns: []Column{
		i("chat_id"), i("user_id"), i("requested_at"), i("user_chat_id"), s("language"), i("answer"),
		s("token"), s("via"), i("message_id"), i("deadline"), s("state"), i("ended_at"),
	}},
	{Name: "actions", Serial: "id", Key: []string{"id"}, Columns: []Column{
		i("id"), i("chat_id"), i("at"), i("by_id"), s("by_name"), s("via"), s("kind"), i("link"),
		i("subject"), s("details"),
	}},
	{Name: "log_chats", Key: []string{"chat_id"}, Columns: []Column{
		i("chat_id"), i("log_chat_id"), i("set_by"), i("set_at"),
	}},
	// After actions: action_id refers to them.
	{Name: "action_posts", Key: []string{"action_id"}, Columns: []Column{
		i("action_id"), i("log_chat_id"),
	}},
	{Name: "link_joins", Serial: "id", Key: []string{"id"}, Columns: []Column{
		i("id"), i("chat_id"), s("invite_link"), i("user_id"), s("first_name"), s("last_name"),
		s("username"), i("joined_at"), i("approved_by"), s("approved_by_name"), s("approved_via"),
	}},
	{Name: "autorotate", Key: []string{"chat_id"}, Columns: []Column{
		i("chat_id"), i("every"), i("next_at"), i("set_by"), i("set_at"),
	}},
	{Name: "rotations", Key: []string{"chat_id", "slot"}, Columns: []Column{
		i("chat_id"), i("slot"), i("started_at"), s("previous"), i("done_at"), i("link"), b("notified"),
	}},
}
