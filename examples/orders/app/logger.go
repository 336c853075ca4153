package main

import (
	"encoding/json"
	"io"
	"sync"
	"time"
)

// logger writes one JSON object per line: time, level, msg, pod, then the given key/value pairs.
// (Go 1.19, Debian bookworm's, predates log/slog.)
type logger struct {
	mu  sync.Mutex
	out io.Writer
	pod string
	now func() time.Time
}

func newLogger(out io.Writer, pod string) *logger {
	return &logger{out: out, pod: pod, now: time.Now}
}

func (l *logger) info(msg string, kv ...interface{})  { l.write("info", msg, kv) }
func (l *logger) warn(msg string, kv ...interface{})  { l.write("warn", msg, kv) }
func (l *logger) error(msg string, kv ...interface{}) { l.write("error", msg, kv) }

func (l *logger) write(level, msg string, kv []interface{}) {
	entry := map[string]interface{}{
		"time":  l.now().UTC().Format(time.RFC3339Nano),
		"level": level,
		"msg":   msg,
		"pod":   l.pod,
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if key, ok := kv[i].(string); ok {
			entry[key] = kv[i+1]
		}
	}
	line, err := json.Marshal(entry)
	if err != nil {
		line = []byte(`{"level":"error","msg":"unloggable entry"}`)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	_, _ = l.out.Write(append(line, '\n'))
}
