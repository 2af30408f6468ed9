package dev.lb.server;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.junit.jupiter.api.Test;

class ReloadCommandTest {

    @Test
    void errorsAreTheStringsOfTheErrorsArrayOnly() {
        assertEquals(List.of("a.cfg:3: unknown keyword \"frobnicate\"", "b.cfg:1: no backend"),
                ReloadCommand.errors("{\"applied\":false,\"errors\":[\"a.cfg:3: unknown keyword "
                        + "\\\"frobnicate\\\"\", \"b.cfg:1: no backend\"],\"version\":4,\"sources\":[\"x\"]}"));
        assertEquals(List.of(), ReloadCommand.errors("{\"applied\":true,\"errors\":[],\"version\":5}"));
        assertEquals(List.of(), ReloadCommand.errors("{\"applied\":true,\"version\":5}"));
    }
}
