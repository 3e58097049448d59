// Command simdump writes the simulators' answers to a directory so that
// ../shared/tools/fidelity.py can compare them with the captured ones:
//
//	go run ./internal/sim/simdump /tmp/sim
//	python3 ../shared/tools/fidelity.py /tmp/sim/transactions.json smaregi/smaregi-api.yaml --schema getTransaction
//	python3 ../shared/tools/fidelity.py /tmp/sim/ubiregi-checkouts.json ubiregi/resp_checkouts.json
//
// It is a tool for people, not a test: nothing in `make test` runs it.
package main

import (
	"fmt"
	"os"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: go run ./internal/sim/simdump DIR")
		os.Exit(2)
	}
	dir := os.Args[1]
	for _, dump := range []func(string) error{dumpSmaregi, dumpUbiregi} {
		if err := dump(dir); err != nil {
			fmt.Fprintln(os.Stderr, "simdump:", err)
			os.Exit(1)
		}
	}
}
