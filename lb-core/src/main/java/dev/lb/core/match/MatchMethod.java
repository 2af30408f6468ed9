package dev.lb.core.match;

/** HAProxy's pattern matching methods ({@code -m str|beg|end|sub|dom|reg|ip|bool|found|int}). */
public enum MatchMethod {
    STR, BEG, END, SUB, DOM, REG, IP, BOOL, FOUND, INT
}
