package main

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"

	"github.com/redis/go-redis/v9"
)

// memoryStore keeps the items of one process.
type memoryStore struct {
	mu    sync.Mutex
	items map[string]item
}

func newMemoryStore() *memoryStore { return &memoryStore{items: map[string]item{}} }

func (s *memoryStore) List(context.Context) ([]item, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	all := make([]item, 0, len(s.items))
	for _, it := range s.items {
		all = append(all, it)
	}
	slices.SortFunc(all, func(a, b item) int { return strings.Compare(a.ID, b.ID) })
	return all, nil
}

func (s *memoryStore) Get(_ context.Context, id string) (item, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	it, ok := s.items[id]
	return it, ok, nil
}

func (s *memoryStore) Put(_ context.Context, it item) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.items[it.ID] = it
	return nil
}

func (s *memoryStore) Delete(_ context.Context, id string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.items, id)
	return nil
}

// redisStore keeps the items in one Redis hash, id → JSON, shared by
// every replica.
type redisStore struct {
	rdb redis.UniversalClient
	key string
}

func (s redisStore) List(ctx context.Context) ([]item, error) {
	m, err := s.rdb.HGetAll(ctx, s.key).Result()
	if err != nil {
		return nil, err
	}
	all := make([]item, 0, len(m))
	for _, v := range m {
		var it item
		if err := json.Unmarshal([]byte(v), &it); err != nil {
			return nil, err
		}
		all = append(all, it)
	}
	slices.SortFunc(all, func(a, b item) int { return strings.Compare(a.ID, b.ID) })
	return all, nil
}

func (s redisStore) Get(ctx context.Context, id string) (item, bool, error) {
	v, err := s.rdb.HGet(ctx, s.key, id).Result()
	if errors.Is(err, redis.Nil) {
		return item{}, false, nil
	}
	if err != nil {
		return item{}, false, err
	}
	var it item
	return it, true, json.Unmarshal([]byte(v), &it)
}

func (s redisStore) Put(ctx context.Context, it item) error {
	b, err := json.Marshal(it)
	if err != nil {
		return err
	}
	return s.rdb.HSet(ctx, s.key, it.ID, b).Err()
}

func (s redisStore) Delete(ctx context.Context, id string) error {
	return s.rdb.HDel(ctx, s.key, id).Err()
}
