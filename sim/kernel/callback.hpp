// Callback: a move-only `void()` callable with 56 bytes of inline storage. Every simulated
// event holds one; std::function would allocate for most of them (its inline buffer is 16
// bytes), and that allocation was the engine's largest cost per event.
#pragma once

#include <cstddef>
#include <cstring>
#include <new>
#include <type_traits>
#include <utility>

namespace dtx {

class Callback {
 public:
  Callback() = default;
  Callback(std::nullptr_t) {}
  template <typename F, typename D = std::decay_t<F>,
            typename = std::enable_if_t<!std::is_same_v<D, Callback> && std::is_invocable_v<D&>>>
  Callback(F&& f) {
    if constexpr (sizeof(D) <= kSize && alignof(D) <= alignof(std::max_align_t) &&
                  std::is_nothrow_move_constructible_v<D>) {
      new (buf_) D(std::forward<F>(f));
      ops_ = &inline_ops<D>;
    } else {
      D* heap = new D(std::forward<F>(f));
      std::memcpy(buf_, &heap, sizeof heap);
      ops_ = &heap_ops<D>;
    }
  }
  Callback(Callback&& o) noexcept { take(o); }
  Callback& operator=(Callback&& o) noexcept {
    if (this != &o) {
      reset();
      take(o);
    }
    return *this;
  }
  Callback& operator=(std::nullptr_t) noexcept {
    reset();
    return *this;
  }
  Callback(const Callback&) = delete;
  Callback& operator=(const Callback&) = delete;
  ~Callback() { reset(); }

  void operator()() { ops_->invoke(buf_); }
  explicit operator bool() const { return ops_ != nullptr; }

 private:
  static constexpr size_t kSize = 56;
  struct Ops {
    void (*invoke)(void*);
    void (*destroy)(void*);
    void (*move)(void* dst, void* src);  // move-constructs into dst and destroys src
  };
  template <typename D>
  static constexpr Ops inline_ops = {[](void* p) { (*static_cast<D*>(p))(); },
                                     [](void* p) { static_cast<D*>(p)->~D(); },
                                     [](void* dst, void* src) {
                                       new (dst) D(std::move(*static_cast<D*>(src)));
                                       static_cast<D*>(src)->~D();
                                     }};
  template <typename D>
  static constexpr Ops heap_ops = {[](void* p) { (**static_cast<D**>(p))(); },
                                   [](void* p) { delete *static_cast<D**>(p); },
                                   [](void* dst, void* src) { std::memcpy(dst, src, sizeof(D*)); }};

  void take(Callback& o) noexcept {
    if (!o.ops_) return;
    o.ops_->move(buf_, o.buf_);
    ops_ = o.ops_;
    o.ops_ = nullptr;
  }
  void reset() noexcept {
    if (ops_) ops_->destroy(buf_);
    ops_ = nullptr;
  }

  alignas(std::max_align_t) unsigned char buf_[kSize];
  const Ops* ops_ = nullptr;
};

}  // namespace dtx
