package main

import (
	"encoding/json"
	"os"
	"testing"
)

type vectors struct {
	Hash []struct {
		Seed, N, Hash uint32
	} `json:"hash"`
	JSON []struct {
		Seed       uint32 `json:"seed"`
		N          uint32 `json:"n"`
		Bytes      int    `json:"bytes"`
		TotalCents uint64 `json:"total_cents"`
	} `json:"json"`
	Trees []struct {
		Seed  uint32 `json:"seed"`
		Depth uint32 `json:"depth"`
		Nodes uint32 `json:"nodes"`
		Check uint32 `json:"check"`
	} `json:"trees"`
}

func loadVectors(t *testing.T) vectors {
	t.Helper()
	data, err := os.ReadFile("../../contract/vectors.json")
	if err != nil {
		t.Fatalf("read shared vectors: %v", err)
	}
	var v vectors
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatalf("parse shared vectors: %v", err)
	}
	if len(v.Hash) == 0 || len(v.JSON) == 0 || len(v.Trees) == 0 {
		t.Fatal("shared vectors are empty")
	}
	return v
}

func TestHashVectors(t *testing.T) {
	for _, c := range loadVectors(t).Hash {
		if got := hashKernel(c.Seed, c.N); got != c.Hash {
			t.Errorf("hash(%d, %d) = %d, want %d", c.Seed, c.N, got, c.Hash)
		}
	}
}

func TestJSONVectors(t *testing.T) {
	for _, c := range loadVectors(t).JSON {
		bytes, total, err := jsonKernel(c.Seed, c.N)
		if err != nil {
			t.Fatal(err)
		}
		if bytes != c.Bytes || total != c.TotalCents {
			t.Errorf("json(%d, %d) = (%d, %d), want (%d, %d)", c.Seed, c.N, bytes, total, c.Bytes, c.TotalCents)
		}
	}
}

func TestTreesVectors(t *testing.T) {
	for _, c := range loadVectors(t).Trees {
		if nodes, check := treesKernel(c.Seed, c.Depth); nodes != c.Nodes || check != c.Check {
			t.Errorf("trees(%d, %d) = (%d, %d), want (%d, %d)", c.Seed, c.Depth, nodes, check, c.Nodes, c.Check)
		}
	}
}
