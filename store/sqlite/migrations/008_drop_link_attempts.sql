-- Once only is the update journal's: a command it hands back after a
-- crash finds its link by links.request, and otherwise asks again.
DROP TABLE link_attempts;
