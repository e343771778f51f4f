//! The binary's global allocator: mimalloc, asked through its plain entry points whenever the
//! alignment is one that they always give.
//!
//! The `mimalloc` crate hands every request to `mi_malloc_aligned`, even for an alignment of
//! one byte. mimalloc 3's aligned entry point serves blocks up to 1 KiB quickly, but every larger
//! block (hyper's read and write buffers, a header map's entries) takes its generic path, which
//! over-allocates and rounds the size first: some 180 instructions a block, four blocks per
//! request, measured with callgrind on `GET /api/v1/status`. `mi_malloc` gives the same blocks
//! without the detour. Larger alignments still go through the aligned entry points.

use std::alloc::{GlobalAlloc, Layout};
use std::ffi::c_void;

use libmimalloc_sys::{
    mi_free, mi_malloc, mi_malloc_aligned, mi_realloc, mi_realloc_aligned, mi_zalloc,
    mi_zalloc_aligned,
};

/// The alignment every block of `mi_malloc` has (`MI_MAX_ALIGN_SIZE` on 64-bit targets), for
/// blocks at least that large; smaller blocks are aligned to their size class, a multiple of
/// 8. So, as the standard library does for `malloc`, an alignment no larger than this and no
/// larger than the size needs no aligned call.
const PLAIN_ALIGNMENT: usize = 16;

/// mimalloc as the global allocator (see the module documentation).
pub struct MiMalloc;

/// Tells whether a block of `size` bytes aligned to `align` can come from the plain entry
/// points.
fn is_plain(size: usize, align: usize) -> bool {
    align <= PLAIN_ALIGNMENT && align <= size
}

// SAFETY: every method forwards to mimalloc, which returns blocks of at least the requested
// size and alignment (the plain entry points only for alignments they guarantee, see
// `is_plain`), or null on failure; `mi_free` and the reallocations accept any block that
// either family returned.
unsafe impl GlobalAlloc for MiMalloc {
    #[inline]
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: see the impl.
        unsafe {
            if is_plain(layout.size(), layout.align()) {
                mi_malloc(layout.size()).cast()
            } else {
                mi_malloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        // SAFETY: see the impl.
        unsafe {
            if is_plain(layout.size(), layout.align()) {
                mi_zalloc(layout.size()).cast()
            } else {
                mi_zalloc_aligned(layout.size(), layout.align()).cast()
            }
        }
    }

    #[inline]
    unsafe fn dealloc(&self, ptr: *mut u8, _layout: Layout) {
        // SAFETY: see the impl; `ptr` came from this allocator.
        unsafe { mi_free(ptr.cast::<c_void>()) }
    }

    #[inline]
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: see the impl; `ptr` came from this allocator with `layout`.
        unsafe {
            if is_plain(new_size, layout.align()) {
                mi_realloc(ptr.cast::<c_void>(), new_size).cast()
            } else {
                mi_realloc_aligned(ptr.cast::<c_void>(), new_size, layout.align()).cast()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_have_the_alignment_and_contents_asked_for() {
        for align in [1, 2, 8, 16, 32, 64, 128, 4096] {
            for size in [1, 7, 8, 16, 24, 100, 1024, 1025, 8192, 100_000] {
                if size < align && align > PLAIN_ALIGNMENT {
                    continue;
                }
                let layout = Layout::from_size_align(size, align).expect("a valid layout");
                // SAFETY: the layout has a non-zero size; every block is freed with its layout.
                unsafe {
                    let block = MiMalloc.alloc_zeroed(layout);
                    assert!(!block.is_null());
                    assert_eq!(block as usize % align, 0, "{size} bytes aligned to {align}");
                    assert!((0..size).all(|at| *block.add(at) == 0));
                    block.write_bytes(0xAB, size);
                    let grown = MiMalloc.realloc(block, layout, size * 3);
                    assert_eq!(grown as usize % align, 0);
                    assert!((0..size).all(|at| *grown.add(at) == 0xAB));
                    MiMalloc.dealloc(
                        grown,
                        Layout::from_size_align(size * 3, align).expect("valid"),
                    );
                }
            }
        }
    }
}
