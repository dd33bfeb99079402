package main

import (
	"encoding/json"
	"fmt"
	"os"
)

// summarizeHyperfine turns hyperfine's --export-json file (one command: this binary with
// -cold-only) into one line in the same form as the other results, so the runner needs no jq.
// hyperfine reports seconds; the line uses nanoseconds like the rest.
func summarizeHyperfine(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var export struct {
		Results []struct {
			Command string    `json:"command"`
			Mean    float64   `json:"mean"`
			Stddev  float64   `json:"stddev"`
			Median  float64   `json:"median"`
			Min     float64   `json:"min"`
			Max     float64   `json:"max"`
			Times   []float64 `json:"times"`
		} `json:"results"`
	}
	if err := json.Unmarshal(data, &export); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	if len(export.Results) != 1 {
		return fmt.Errorf("%s: want the results of one command, got %d", path, len(export.Results))
	}
	r := export.Results[0]
	ns := func(seconds float64) int64 { return int64(seconds * 1e9) }
	emit(map[string]any{
		"backend":           "go-cgo",
		"link":              linkMode,
		"measure":           "whole process: start, 100 round trips, exit (hyperfine)",
		"process_ns_mean":   ns(r.Mean),
		"process_ns_stddev": ns(r.Stddev),
		"process_ns_median": ns(r.Median),
		"process_ns_min":    ns(r.Min),
		"process_ns_max":    ns(r.Max),
		"process_runs":      len(r.Times),
	})
	return nil
}
