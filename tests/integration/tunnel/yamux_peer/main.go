// yamux_peer: hashicorp/yamux on the other end of a printgate tunnel session, for the
// interoperability test (tests/integration/tunnel/yamux_interop_test.cpp).
//
//	yamux_peer open PORT STREAMS BYTES  dial 127.0.0.1:PORT as yamux client, open STREAMS
//	                                    streams, send BYTES each, check the echo, close
//	yamux_peer echo PORT                dial 127.0.0.1:PORT as yamux server, echo every
//	                                    stream the other side opens until the session ends
//
// Exit status 0 and a last line "OK ..." on success.
package main

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"sync"

	"github.com/hashicorp/yamux"
)

func pattern(n int, seed uint32) []byte {
	b := make([]byte, n)
	x := seed*2654435761 + 1
	for i := range b {
		x = x*1664525 + 1013904223
		b[i] = byte(x >> 24)
	}
	return b
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "FAIL "+format+"\n", args...)
	os.Exit(1)
}

func dial(port string) net.Conn {
	conn, err := net.Dial("tcp", "127.0.0.1:"+port)
	if err != nil {
		fail("dial: %v", err)
	}
	return conn
}

func open(port string, streams, size int) {
	session, err := yamux.Client(dial(port), yamux.DefaultConfig())
	if err != nil {
		fail("client: %v", err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, streams)
	for i := 0; i < streams; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			s, err := session.OpenStream()
			if err != nil {
				errs <- fmt.Errorf("open %d: %v", i, err)
				return
			}
			data := pattern(size, uint32(i+1))
			written := make(chan error, 1)
			go func() {
				_, err := s.Write(data)
				written <- err
			}()
			// Debian's yamux ends reads as soon as the stream is closed locally, so it
			// reads the whole echo before its FIN instead of half-closing first.
			got := make([]byte, size)
			if _, err := io.ReadFull(s, got); err != nil {
				errs <- fmt.Errorf("read %d: %v", i, err)
				return
			}
			if err := <-written; err != nil {
				errs <- fmt.Errorf("write %d: %v", i, err)
				return
			}
			if !bytes.Equal(got, data) {
				errs <- fmt.Errorf("stream %d: sha256 %x back, want %x", i, sha256.Sum256(got), sha256.Sum256(data))
				return
			}
			s.Close() // FIN; the echo side answers with its own FIN
			extra, err := io.ReadAll(s)
			if err != nil || len(extra) != 0 {
				errs <- fmt.Errorf("stream %d: %d bytes after the echo, %v", i, len(extra), err)
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	failed := false
	for err := range errs {
		fmt.Fprintf(os.Stderr, "FAIL %v\n", err)
		failed = true
	}
	if failed {
		os.Exit(1)
	}
	session.Close()
	fmt.Printf("OK open streams=%d bytes=%d\n", streams, size)
}

func echo(port string) {
	session, err := yamux.Server(dial(port), yamux.DefaultConfig())
	if err != nil {
		fail("server: %v", err)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	total := 0
	for {
		s, err := session.AcceptStream()
		if err != nil {
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := io.Copy(s, s)
			if err != nil {
				fmt.Fprintf(os.Stderr, "echo stream %d: %v\n", s.StreamID(), err)
			}
			s.Close()
			mu.Lock()
			total += int(n)
			mu.Unlock()
		}()
	}
	wg.Wait()
	fmt.Printf("OK echo bytes=%d\n", total)
}

func main() {
	if len(os.Args) < 3 {
		fail("usage: yamux_peer open PORT STREAMS BYTES | echo PORT")
	}
	switch os.Args[1] {
	case "open":
		if len(os.Args) != 5 {
			fail("usage: yamux_peer open PORT STREAMS BYTES")
		}
		streams, err1 := strconv.Atoi(os.Args[3])
		size, err2 := strconv.Atoi(os.Args[4])
		if err1 != nil || err2 != nil {
			fail("bad numbers")
		}
		open(os.Args[2], streams, size)
	case "echo":
		echo(os.Args[2])
	default:
		fail("unknown mode %q", os.Args[1])
	}
}
