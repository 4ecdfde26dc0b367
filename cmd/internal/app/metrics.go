package app

import "slices"

// commandNames are the router's commands, for the metrics' series: every
// command of the menus (routes registers no other), and "unknown", the
// router's name for a command it does not have.
func commandNames() []string {
	var names []string
	for _, c := range slices.Concat(adminCommands, privateCommands) {
		if !slices.Contains(names, c.Command) {
			names = append(names, c.Command)
		}
	}
	return append(names, "unknown")
}
