package sandbox

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/poslink/poslink/internal/sim/ubiregi"
)

// state is the simulators' memory of their users, as kept in the state file.
type state struct {
	Ubiregi ubiregi.State `json:"ubiregi"`
}

func (sb *Sandbox) loadState() error {
	if sb.stateFile == "" {
		return nil
	}
	b, err := os.ReadFile(sb.stateFile)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read simulator state: %w", err)
	}
	var st state
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("simulator state %s: %w", sb.stateFile, err)
	}
	sb.Ubiregi.RestoreState(st.Ubiregi)
	return nil
}

// saveState writes the state file atomically: a crash mid-write leaves the
// previous one.
func (sb *Sandbox) saveState() error {
	if sb.stateFile == "" {
		return nil
	}
	b, err := json.MarshalIndent(state{Ubiregi: sb.Ubiregi.SaveState()}, "", "  ")
	if err != nil {
		return fmt.Errorf("encode simulator state: %w", err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(sb.stateFile), ".sim-state-*")
	if err != nil {
		return fmt.Errorf("save simulator state: %w", err)
	}
	_, err = tmp.Write(b)
	if err == nil {
		err = tmp.Chmod(0o600)
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp.Name(), sb.stateFile)
	}
	if err != nil {
		// The temporary file is only garbage now; failing to remove it
		// changes nothing for the caller.
		_ = os.Remove(tmp.Name())
		return fmt.Errorf("save simulator state: %w", err)
	}
	return nil
}
