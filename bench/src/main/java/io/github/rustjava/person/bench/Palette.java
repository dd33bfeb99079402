package io.github.rustjava.person.bench;

import java.awt.Color;

/**
 * Okabe and Ito's palette, which readers with the common colour-vision deficiencies can tell
 * apart, and greys that differ in lightness (which every reader sees): the colours of both suites'
 * charts.
 */
final class Palette {

    private Palette() {}

    static final Color ORANGE = new Color(0xE6, 0x9F, 0x00);
    static final Color SKY_BLUE = new Color(0x56, 0xB4, 0xE9);
    static final Color BLUISH_GREEN = new Color(0x00, 0x9E, 0x73);
    static final Color YELLOW = new Color(0xF0, 0xE4, 0x42);
    static final Color BLUE = new Color(0x00, 0x72, 0xB2);
    static final Color VERMILLION = new Color(0xD5, 0x5E, 0x00);
    static final Color REDDISH_PURPLE = new Color(0xCC, 0x79, 0xA7);
    static final Color BLACK = new Color(0x00, 0x00, 0x00);
    static final Color GREY = new Color(0x77, 0x77, 0x77);
    static final Color LIGHT_GREY = new Color(0xBB, 0xBB, 0xBB);
}
