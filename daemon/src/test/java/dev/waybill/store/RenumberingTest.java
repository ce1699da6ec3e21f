package dev.waybill.store;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import dev.waybill.outcome.MessageAssembler;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class RenumberingTest {

    /** Found by search: this address's own row is 2, another row's number before the upgrade. */
    private static final String OWN_ROW_2 = "c23597962@example.com";

    private static List<Renumbering.Row> renumbered(List<Renumbering.Row> rows) {
        int[] n = Renumbering.renumber(rows);
        List<Renumbering.Row> out = new ArrayList<>();
        for (int i = 0; i < n.length; i++) {
            out.add(new Renumbering.Row(n[i], rows.get(i).recipient(), rows.get(i).deliveredTo()));
        }
        return out;
    }

    @Test
    void renumber_asTheAssemblerNumbers_firstRowOfARecipientIsItsOwn_aFurtherOneFromWhereItWent() {
        List<Renumbering.Row> old = List.of(
                new Renumbering.Row(1, "z@example.com", "fwd@remote.test"),
                new Renumbering.Row(2, "z@example.com", "z@example.com"),
                new Renumbering.Row(3, "", null));
        int[] n = Renumbering.renumber(old);
        assertEquals(MessageAssembler.rowOf("z@example.com"), n[0]);
        assertEquals(MessageAssembler.rowOf("z@example.com\nz"), n[1]);
        assertEquals(MessageAssembler.rowOf(""), n[2]);
    }

    @Test
    void renumber_neverTakesAnotherRowsCurrentNumber_andAgainChangesNothing() {
        assertEquals(2, MessageAssembler.rowOf(OWN_ROW_2));
        List<Renumbering.Row> old = List.of(
                new Renumbering.Row(1, OWN_ROW_2, OWN_ROW_2),
                new Renumbering.Row(2, "x@example.com", "x@example.com"));
        List<Renumbering.Row> once = renumbered(old);
        assertNotEquals(2, once.get(0).number(), "row 2 is still another row's key until it moves");
        assertEquals(MessageAssembler.rowOf("x@example.com"), once.get(1).number());
        // Run again (an interrupted migration), in the order of the new numbers: a row kept off its
        // own number by another row's old one takes it now that it is free; then nothing moves.
        List<Renumbering.Row> sorted = new ArrayList<>(once);
        sorted.sort((a, b) -> Integer.compare(a.number(), b.number()));
        List<Renumbering.Row> twice = renumbered(sorted);
        assertEquals(2, twice.stream().filter(r -> r.recipient().equals(OWN_ROW_2)).findFirst().orElseThrow().number());
        int[] thrice = Renumbering.renumber(twice);
        for (int i = 0; i < thrice.length; i++) {
            assertEquals(twice.get(i).number(), thrice[i], twice.get(i).toString());
        }
        // A recipient's two rows, already renumbered, in either order: each keeps its number.
        List<Renumbering.Row> two = renumbered(List.of(new Renumbering.Row(1, "z@example.com", "fwd@remote.test"),
                new Renumbering.Row(2, "z@example.com", "z@example.com")));
        List<Renumbering.Row> swapped = List.of(two.get(1), two.get(0));
        assertArrayEquals(new int[] {two.get(1).number(), two.get(0).number()}, Renumbering.renumber(swapped));
    }
}
