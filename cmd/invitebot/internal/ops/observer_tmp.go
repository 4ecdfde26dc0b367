package ops

// Placeholders until the metrics of these events land (branch h-ops).
func (o observer) UpdateUndecodable(string) {}
func (o observer) UnsureRepeat(string)      {}
