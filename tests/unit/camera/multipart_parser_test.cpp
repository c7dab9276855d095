// The streaming multipart MJPEG parser: sized and unsized parts, every split of the input,
// a learned boundary (ffmpeg), and bad input that must fail with an error, not a crash.
#include <gtest/gtest.h>

#include <printgate/camera/multipart_parser.hpp>
#include <string>
#include <vector>

namespace {

using namespace printgate::camera;

std::string body_of(const multipart_part& p) {
    return std::string(p.body.begin(), p.body.end());
}

// Two sized parts and one without Content-Length, the way mjpg-streamer / µStreamer / ffmpeg
// frame them.
const std::string stream =
    "--B\r\nContent-Type: image/jpeg\r\nContent-Length: 5\r\nX-Frame-Number: 7\r\n\r\nhello\r\n"
    "--B\r\nContent-Type: image/jpeg\r\nContent-Length: 11\r\n\r\n--B\r\nnot--B\r\n"
    "--B\r\nContent-Type: image/jpeg\r\n\r\nno length\r\nhere\r\n"
    "--B\r\n";

std::vector<std::string> parse_all(multipart_parser& p, const std::string& in, std::size_t piece,
                                   multipart_error& err) {
    std::vector<std::string> parts;
    err = multipart_error::none;
    for (std::size_t i = 0; i < in.size() && err == multipart_error::none; i += piece)
        err = p.feed(std::string_view(in).substr(i, piece),
                     [&](multipart_part&& part) { parts.push_back(body_of(part)); });
    return parts;
}

TEST(multipart_parser, sized_and_unsized_parts_at_every_split) {
    const std::vector<std::string> want{"hello", "--B\r\nnot--B", "no length\r\nhere"};
    for (std::size_t piece = 1; piece <= stream.size(); ++piece) {
        multipart_parser p("B");
        multipart_error err;
        auto parts = parse_all(p, stream, piece, err);
        EXPECT_EQ(err, multipart_error::none) << "piece " << piece;
        EXPECT_EQ(parts, want) << "piece " << piece;
    }
}

TEST(multipart_parser, exposes_part_headers_case_insensitively) {
    multipart_parser p("B");
    std::string number;
    p.feed(stream, [&](multipart_part&& part) {
        if (number.empty()) number = std::string(part.header("x-frame-number"));
    });
    EXPECT_EQ(number, "7");
}

TEST(multipart_parser, learns_the_boundary_from_the_first_line_like_ffmpeg_sends_it) {
    std::string ff =
        "--ffmpeg\r\nContent-type: image/jpeg\r\nContent-length: 3\r\n\r\nabc\r\n"
        "--ffmpeg\r\nContent-type: image/jpeg\r\nContent-length: 2\r\n\r\nde\r\n";
    multipart_parser p("");
    multipart_error err;
    auto parts = parse_all(p, ff, 7, err);
    EXPECT_EQ(err, multipart_error::none);
    EXPECT_EQ(p.boundary(), "ffmpeg");
    EXPECT_EQ(parts, (std::vector<std::string>{"abc", "de"}));
}

TEST(multipart_parser, skips_a_preamble_and_stops_at_the_closing_boundary) {
    multipart_parser p("B");
    std::vector<std::string> parts;
    auto err = p.feed(std::string_view("junk before\r\n--B\r\nContent-Length: 1\r\n\r\nx\r\n--B--\r\n"),
                      [&](multipart_part&& part) { parts.push_back(body_of(part)); });
    EXPECT_EQ(err, multipart_error::ended);
    EXPECT_EQ(parts, std::vector<std::string>{"x"});
    EXPECT_EQ(p.feed(std::string_view("--B\r\n"), [](multipart_part&&) {}), multipart_error::ended);
}

TEST(multipart_parser, refuses_oversized_headers_and_parts) {
    multipart_limits small;
    small.max_header_bytes = 64;
    small.max_part_bytes = 10;
    {
        multipart_parser p("B", small);
        std::string big = "--B\r\nX-Pad: " + std::string(100, 'a') + "\r\n\r\n";
        EXPECT_EQ(p.feed(big, [](multipart_part&&) {}), multipart_error::header_too_large);
        // Failed stays failed: a good part afterwards is not parsed.
        int n = 0;
        EXPECT_EQ(p.feed(stream, [&](multipart_part&&) { ++n; }), multipart_error::header_too_large);
        EXPECT_EQ(n, 0);
    }
    {
        multipart_parser p("B", small);
        EXPECT_EQ(p.feed(std::string_view("--B\r\nContent-Length: 11\r\n\r\n"), [](multipart_part&&) {}),
                  multipart_error::part_too_large);
    }
    {
        multipart_parser p("B", small);  // no length: the scan is bounded too
        EXPECT_EQ(p.feed("--B\r\n\r\n" + std::string(40, 'x'), [](multipart_part&&) {}),
                  multipart_error::part_too_large);
    }
    {
        multipart_limits tiny;
        tiny.max_preamble_bytes = 32;
        multipart_parser p("B", tiny);
        EXPECT_EQ(p.feed(std::string(100, 'z'), [](multipart_part&&) {}), multipart_error::preamble_too_long);
    }
}

TEST(multipart_parser, refuses_bad_headers_and_boundaries) {
    auto run = [](std::string boundary, std::string_view in) {
        multipart_parser p(std::move(boundary));
        return p.feed(in, [](multipart_part&&) {});
    };
    EXPECT_EQ(run("B", "--B\r\nno colon here\r\n\r\n"), multipart_error::bad_header);
    EXPECT_EQ(run("B", "--B\r\nContent-Length: 12x\r\n\r\n"), multipart_error::bad_header);
    EXPECT_EQ(run("B", "--B\r\nContent-Length: -1\r\n\r\n"), multipart_error::bad_header);
    EXPECT_EQ(run("B", "--B\r\nContent-Length: 99999999999999999999999\r\n\r\n"), multipart_error::bad_header);
    EXPECT_EQ(run("B", "--Bjunk\r\n"), multipart_error::bad_boundary);
    EXPECT_EQ(run("", "not a boundary line\r\n"), multipart_error::bad_boundary);
    EXPECT_EQ(run("bad boundary", ""), multipart_error::bad_boundary);
    EXPECT_EQ(run(std::string(71, 'b'), ""), multipart_error::bad_boundary);
}

TEST(multipart_parser, boundary_from_content_type) {
    EXPECT_EQ(boundary_from_content_type("multipart/x-mixed-replace;boundary=boundarydonotcross"),
              "boundarydonotcross");
    EXPECT_EQ(boundary_from_content_type("multipart/x-mixed-replace; charset=x; BOUNDARY=\"frame\""), "frame");
    EXPECT_EQ(boundary_from_content_type("multipart/x-mixed-replace;boundary=--myboundary"), "myboundary");
    EXPECT_EQ(boundary_from_content_type("multipart/x-mixed-replace"), std::nullopt);
    EXPECT_EQ(boundary_from_content_type("multipart/x-mixed-replace;boundary="), std::nullopt);
    EXPECT_EQ(boundary_from_content_type("multipart/x-mixed-replace;boundary=\"a b\""), std::nullopt);
}

}  // namespace
