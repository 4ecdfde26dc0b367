package app

import "slices"

// commandNames are the router's commands, for the metrics' series: every
// command of the menus (routes registers no other), and "unknown", the
// router's name for a command it does not have.
func commandNames() []string {
	var names []string
	for _, c := range slices.Concat(adminMenu, privateMenu) {
		if !slices.Contains(names, c) {
			names = append(names, c)
		}
	}
	return append(names, "unknown")
}
