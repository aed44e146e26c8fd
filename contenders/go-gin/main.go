// Command go-gin serves the order-service contract (docs/contract.md) on the
// Gin framework, with go-playground/validator for the order rules.
package main

import (
	"context"
	"errors"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/gin-gonic/gin"
)

func main() {
	port := envOr("PORT", "8080")
	upstream := strings.TrimRight(envOr("UPSTREAM_URL", "http://127.0.0.1:4100"), "/")

	// GOMAXPROCS set by the operator wins; otherwise size from CPUS.
	if os.Getenv("GOMAXPROCS") == "" {
		if cpus, err := strconv.Atoi(os.Getenv("CPUS")); err == nil && cpus > 0 {
			runtime.GOMAXPROCS(cpus)
		}
	}
	gin.SetMode(gin.ReleaseMode)

	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()

	// Orders live in PostgreSQL when DATABASE_URL is set, else in memory.
	var orders orderStore = newMemoryStore()
	if url := os.Getenv("DATABASE_URL"); url != "" {
		poolSize, _ := strconv.Atoi(os.Getenv("DB_POOL_SIZE"))
		db, err := newPgStore(ctx, url, poolSize)
		if err != nil {
			log.Fatalf("database: %v", err)
		}
		defer db.pool.Close()
		orders = db
	}

	srv := &http.Server{
		Addr:              net.JoinHostPort(envOr("HOST", "127.0.0.1"), port),
		Handler:           newServer(upstream, orders).routes(),
		ReadHeaderTimeout: 10 * time.Second,
		// A whole request, body included, must arrive within 10 s
		// (docs/contract.md, "Hostile input"): a body that trickles in
		// would otherwise hold its goroutine and connection forever.
		ReadTimeout: 10 * time.Second,
		// The contract caps a request head at 64 KiB; net/http's default is 1 MB.
		MaxHeaderBytes: 64 << 10,
		IdleTimeout:    120 * time.Second,
	}

	ln, err := net.Listen("tcp", srv.Addr)
	if err != nil {
		log.Fatalf("listen: %v", err)
	}
	log.Printf("go-gin listening on http://%s (GOMAXPROCS=%d, gin %s)", ln.Addr(), runtime.GOMAXPROCS(0), gin.Version)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()

	select {
	case err := <-errc:
		log.Fatalf("serve: %v", err)
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
		log.Fatalf("shutdown: %v", err)
	}
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
