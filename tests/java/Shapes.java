import java.util.function.IntSupplier;

interface Shape { double area(); default String name() { return "shape"; } }

enum Colour { RED, GREEN }

abstract class Base implements Shape {
    protected static int count;
    transient volatile long stamp = -9000000000L;
    public abstract double area();
    synchronized void touch() { count++; }
}

final class Square extends Base {
    private final double side;
    static final float HALF = 0.5f;
    static final int MAX = 100000;
    Square(double side) { this.side = side; }
    public double area() { return side * side * HALF * 2; }
    static IntSupplier counter() { return () -> count; }
    public static native void poke(int... values);
}
