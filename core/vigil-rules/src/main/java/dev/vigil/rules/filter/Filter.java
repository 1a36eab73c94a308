package dev.vigil.rules.filter;

import dev.vigil.event.Event;

/**
 * A compiled condition: a tree of small predicate nodes evaluated against one event. Nodes hold
 * no per-event state, so a filter may be shared by threads. Evaluation allocates nothing for the
 * operators Falco rules use (regex and transformers are the exceptions).
 */
public abstract class Filter {
    public abstract boolean test(Event e);

    static final class AndFilter extends Filter {
        private final Filter[] children;

        AndFilter(Filter[] children) {
            this.children = children;
        }

        Filter[] children() {
            return children.clone();
        }

        @Override
        public boolean test(Event e) {
            for (Filter f : children) {
                if (!f.test(e)) {
                    return false;
                }
            }
            return true;
        }
    }

    static final class OrFilter extends Filter {
        private final Filter[] children;

        OrFilter(Filter[] children) {
            this.children = children;
        }

        Filter[] children() {
            return children.clone();
        }

        @Override
        public boolean test(Event e) {
            for (Filter f : children) {
                if (f.test(e)) {
                    return true;
                }
            }
            return false;
        }
    }

    static final class NotFilter extends Filter {
        private final Filter child;

        NotFilter(Filter child) {
            this.child = child;
        }

        @Override
        public boolean test(Event e) {
            return !child.test(e);
        }
    }

    static final class ConstFilter extends Filter {
        private final boolean value;

        ConstFilter(boolean value) {
            this.value = value;
        }

        @Override
        public boolean test(Event e) {
            return value;
        }
    }
}
