package dev.waybill.sample;

import java.util.Arrays;

/**
 * The pending events of the simulation, earliest first: a binary min-heap ordered by due time,
 * then by scheduling order. Its size is the number of things in flight (open SMTP sessions,
 * messages being delivered or waiting in the queue), which depends on the simulated traffic, not
 * on how many lines are asked for.
 */
final class Timeline {

    private Event[] heap = new Event[1024];
    private int size;
    private long nextSeq;

    int size() {
        return size;
    }

    /** Schedules {@code e} at {@code due}; {@code e} must not be scheduled already. */
    void schedule(Event e, long due) {
        e.due = due;
        e.seq = nextSeq++;
        if (size == heap.length) {
            heap = Arrays.copyOf(heap, size * 2);
        }
        siftUp(e, size++);
    }

    /** Removes and returns the earliest event, or null when none is left. */
    Event poll() {
        if (size == 0) {
            return null;
        }
        Event first = heap[0];
        Event last = heap[--size];
        heap[size] = null;
        if (size > 0) {
            siftDown(last, 0);
        }
        first.slot = -1;
        return first;
    }

    private static boolean before(Event a, Event b) {
        return a.due < b.due || (a.due == b.due && a.seq < b.seq);
    }

    private void siftUp(Event e, int i) {
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            Event p = heap[parent];
            if (!before(e, p)) {
                break;
            }
            heap[i] = p;
            p.slot = i;
            i = parent;
        }
        heap[i] = e;
        e.slot = i;
    }

    private void siftDown(Event e, int i) {
        int half = size >>> 1;
        while (i < half) {
            int child = 2 * i + 1;
            Event c = heap[child];
            int right = child + 1;
            if (right < size && before(heap[right], c)) {
                child = right;
                c = heap[child];
            }
            if (!before(c, e)) {
                break;
            }
            heap[i] = c;
            c.slot = i;
            i = child;
        }
        heap[i] = e;
        e.slot = i;
    }
}
