// An append-only sequence stored in fixed-size chunks: appending never moves earlier
// elements (a huge history is not copied each time it outgrows its array, and references
// to recorded events stay valid), while indexing and iteration stay as cheap as a vector's.
#pragma once

#include <cstddef>
#include <iterator>
#include <memory>
#include <vector>

namespace dtx {

template <typename T, size_t kChunk = 4096>
class Chunked {
 public:
  class const_iterator {
   public:
    using iterator_category = std::random_access_iterator_tag;
    using value_type = T;
    using difference_type = std::ptrdiff_t;
    using pointer = const T*;
    using reference = const T&;

    const_iterator() = default;
    const_iterator(const Chunked* c, size_t i) : c_(c), i_(i) {}
    reference operator*() const { return (*c_)[i_]; }
    pointer operator->() const { return &(*c_)[i_]; }
    reference operator[](difference_type n) const { return (*c_)[i_ + n]; }
    const_iterator& operator++() {
      ++i_;
      return *this;
    }
    const_iterator operator++(int) {
      const_iterator t = *this;
      ++i_;
      return t;
    }
    const_iterator& operator--() {
      --i_;
      return *this;
    }
    const_iterator operator--(int) {
      const_iterator t = *this;
      --i_;
      return t;
    }
    const_iterator& operator+=(difference_type n) {
      i_ += n;
      return *this;
    }
    const_iterator& operator-=(difference_type n) {
      i_ -= n;
      return *this;
    }
    friend const_iterator operator+(const_iterator a, difference_type n) { return a += n; }
    friend const_iterator operator+(difference_type n, const_iterator a) { return a += n; }
    friend const_iterator operator-(const_iterator a, difference_type n) { return a -= n; }
    friend difference_type operator-(const const_iterator& a, const const_iterator& b) {
      return static_cast<difference_type>(a.i_) - static_cast<difference_type>(b.i_);
    }
    friend bool operator==(const const_iterator& a, const const_iterator& b) {
      return a.i_ == b.i_;
    }
    friend auto operator<=>(const const_iterator& a, const const_iterator& b) {
      return a.i_ <=> b.i_;
    }

   private:
    const Chunked* c_ = nullptr;
    size_t i_ = 0;
  };
  using value_type = T;
  using iterator = const_iterator;

  Chunked() = default;
  Chunked(std::initializer_list<T> items) {
    for (const T& t : items) push_back(t);
  }
  Chunked(const Chunked& o) {
    for (const T& t : o) push_back(t);
  }
  Chunked& operator=(const Chunked& o) {
    if (this != &o) {
      clear();
      for (const T& t : o) push_back(t);
    }
    return *this;
  }
  Chunked(Chunked&& o) noexcept : chunks_(std::move(o.chunks_)), size_(o.size_) {
    o.chunks_.clear();
    o.size_ = 0;
  }
  Chunked& operator=(Chunked&& o) noexcept {
    if (this != &o) {
      chunks_ = std::move(o.chunks_);
      size_ = o.size_;
      o.chunks_.clear();
      o.size_ = 0;
    }
    return *this;
  }

  // A new element at the end, value-initialised, for the caller to fill in.
  T& emplace_back() {
    if (size_ == chunks_.size() * kChunk) chunks_.push_back(std::make_unique<T[]>(kChunk));
    T& slot = chunks_[size_ / kChunk][size_ % kChunk];
    ++size_;
    return slot;
  }
  void push_back(T t) { emplace_back() = std::move(t); }
  void clear() {
    chunks_.clear();
    size_ = 0;
  }

  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  const T& operator[](size_t i) const { return chunks_[i / kChunk][i % kChunk]; }
  T& operator[](size_t i) { return chunks_[i / kChunk][i % kChunk]; }
  const T& front() const { return (*this)[0]; }
  const T& back() const { return (*this)[size_ - 1]; }
  T& back() { return (*this)[size_ - 1]; }
  const_iterator begin() const { return {this, 0}; }
  const_iterator end() const { return {this, size_}; }

 private:
  std::vector<std::unique_ptr<T[]>> chunks_;
  size_t size_ = 0;
};

}  // namespace dtx
