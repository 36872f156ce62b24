import java.io.Serializable;

public class Worked implements Serializable, Comparable<Worked> {
    public static final long BIG = 1234567890123L;
    public static final double PI = 3.14159;
    static final String TEXT = "nul\u0000inside and an emoji \uD83D\uDE00";
    private final int value;
    protected float ratio = 1.5f;

    public Worked(int value) { this.value = value; }

    public int compareTo(Worked other) { return Integer.compare(value, other.value); }

    static long mix(long a, double b, int c) throws Exception {
        if (c < 0) throw new Exception("negative " + c);
        long[] xs = {a, 7L, 123456789L};
        try { return xs[c % 3] + (long) b + BIG; } catch (RuntimeException e) { return -1; }
    }

    public static void main(String[] args) throws Exception { System.out.println(TEXT + mix(1, PI, 2)); }
}
