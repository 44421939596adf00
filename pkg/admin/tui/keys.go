package tui

// Key names as tea.KeyPressMsg.String() spells them.
const (
	keyQuit    = "q"
	keyCtrlC   = "ctrl+c"
	keyHelp    = "?"
	keyFilter  = "/"
	keyEnter   = "enter"
	keyEsc     = "esc"
	keyKick    = "k"
	keyYes     = "y"
	keyRefresh = "r"
	keySort    = "s"
	keyReverse = "S"
	keyUp      = "up"
	keyDown    = "down"
	keyJ       = "j"
	keyPgUp    = "pgup"
	keyPgDown  = "pgdown"
	keyHome    = "home"
	keyEnd     = "end"
	keyBack    = "backspace"
)

// helpKeys are the lines of the help screen.
func helpKeys() [][2]string {
	return [][2]string{
		{"↑ ↓ j", "move the selection"},
		{"pgup pgdown", "page up / down"},
		{"home end", "first / last session"},
		{"/", "filter as you type (enter keeps it, esc clears it)"},
		{"enter", "details of the selected session"},
		{"k", "kick the selected session (asks first)"},
		{"s S", "sort by the next column / reverse the order"},
		{"r", "refresh now"},
		{"?", "this help"},
		{"q ctrl+c", "quit"},
	}
}

// The key help on the last line, per state.
const (
	footerTable   = "/ filter · enter details · k kick · s sort · ? help · q quit"
	footerDetail  = "esc back · k kick · q quit"
	footerHelp    = "esc back · q quit"
	footerFilter  = "enter keep · esc clear"
	footerConfirm = "y kick · any other key cancels"
)
