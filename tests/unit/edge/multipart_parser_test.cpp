#include "printgate/edge/multipart_parser.hpp"

#include <gtest/gtest.h>

#include <vector>

using namespace printgate::edge;

namespace {

struct recorder final : multipart_handler {
    struct part {
        multipart_part head;
        std::string body;
        bool ended = false;
    };
    std::vector<part> parts;
    std::size_t stop_after_bytes = SIZE_MAX;
    std::size_t seen = 0;
    bool on_part_begin(const multipart_part& p) override {
        parts.push_back({p, {}, false});
        return true;
    }
    bool on_part_data(std::span<const char> b) override {
        seen += b.size();
        if (seen > stop_after_bytes) return false;
        parts.back().body.append(b.data(), b.size());
        return true;
    }
    bool on_part_end() override {
        parts.back().ended = true;
        return true;
    }
};

const std::string body =
    "preamble\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"path\"\r\n\r\n"
    "sub/dir\r\n"
    "--XyZ\r\n"
    "Content-Disposition: form-data; name=\"file\"; filename=\"a \\\"b\\\".gcode\"\r\n"
    "Content-Type: application/octet-stream\r\n\r\n"
    "G28\r\nG1 X10 ; --XyZ is not a boundary without CRLF before it\r\nX--XyZNOT\r\n"
    "\r\n--XyZ--\r\n"
    "epilogue";

void expect_parsed(const recorder& r) {
    ASSERT_EQ(r.parts.size(), 2u);
    EXPECT_EQ(r.parts[0].head.name, "path");
    EXPECT_FALSE(r.parts[0].head.filename);
    EXPECT_EQ(r.parts[0].body, "sub/dir");
    EXPECT_EQ(r.parts[1].head.name, "file");
    EXPECT_EQ(r.parts[1].head.filename.value_or(""), "a \"b\".gcode");
    EXPECT_EQ(r.parts[1].head.content_type, "application/octet-stream");
    EXPECT_EQ(r.parts[1].body, "G28\r\nG1 X10 ; --XyZ is not a boundary without CRLF before it\r\nX--XyZNOT\r\n");
    EXPECT_TRUE(r.parts[1].ended);
}

}  // namespace

TEST(multipart_parser, parses_in_one_piece) {
    recorder r;
    multipart_parser p("XyZ", r);
    EXPECT_EQ(p.feed(body), multipart_error::none);
    EXPECT_EQ(p.finish(), multipart_error::none);
    expect_parsed(r);
}

TEST(multipart_parser, parses_split_at_every_byte) {
    for (std::size_t chunk : {1u, 2u, 3u, 7u, 13u}) {
        recorder r;
        multipart_parser p("XyZ", r);
        for (std::size_t i = 0; i < body.size(); i += chunk)
            ASSERT_EQ(p.feed(std::string_view(body).substr(i, chunk)), multipart_error::none) << chunk;
        EXPECT_EQ(p.finish(), multipart_error::none);
        expect_parsed(r);
    }
}

TEST(multipart_parser, body_without_preamble) {
    recorder r;
    multipart_parser p("b", r);
    p.feed(std::string_view("--b\r\nContent-Disposition: form-data; name=x\r\n\r\n1\r\n--b--"));
    EXPECT_EQ(p.finish(), multipart_error::none);
    ASSERT_EQ(r.parts.size(), 1u);
    EXPECT_EQ(r.parts[0].body, "1");
}

TEST(multipart_parser, truncated_body_is_an_error) {
    recorder r;
    multipart_parser p("XyZ", r);
    p.feed(body.substr(0, body.size() / 2));
    EXPECT_EQ(p.finish(), multipart_error::truncated);
}

TEST(multipart_parser, header_limit) {
    recorder r;
    multipart_parser p("b", r, {.max_header_bytes = 64});
    std::string big = "--b\r\nContent-Disposition: form-data; name=\"" + std::string(100, 'a') + "\"\r\n\r\nx";
    EXPECT_EQ(p.feed(big), multipart_error::header_too_large);
    EXPECT_TRUE(r.parts.empty());
}

TEST(multipart_parser, part_limit) {
    recorder r;
    multipart_parser p("b", r, {.max_parts = 2});
    std::string s;
    for (int i = 0; i < 3; ++i) s += "--b\r\nContent-Disposition: form-data; name=x\r\n\r\nv\r\n";
    EXPECT_EQ(p.feed(s), multipart_error::too_many_parts);
}

TEST(multipart_parser, refuses_parts_that_are_not_form_data) {
    recorder r;
    multipart_parser p("b", r);
    EXPECT_EQ(p.feed(std::string_view("--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--")), multipart_error::not_form_data);
    recorder r2;
    multipart_parser p2("b", r2);
    EXPECT_EQ(p2.feed(std::string_view("--b\r\nno colon here\r\n\r\nx\r\n--b--")), multipart_error::malformed_header);
}

TEST(multipart_parser, boundary_followed_by_other_text_is_malformed) {
    recorder r;
    multipart_parser p("b", r);
    EXPECT_EQ(p.feed(std::string_view("--b\r\nContent-Disposition: form-data; name=x\r\n\r\nv\r\n--bNOT\r\n")),
              multipart_error::malformed_header);
}

TEST(multipart_parser, handler_can_abort) {
    recorder r;
    r.stop_after_bytes = 3;
    multipart_parser p("XyZ", r);
    EXPECT_EQ(p.feed(body), multipart_error::aborted);
    EXPECT_EQ(p.finish(), multipart_error::aborted);
}

TEST(multipart_parser, preamble_limit) {
    recorder r;
    multipart_parser p("b", r, {.max_preamble_bytes = 10});
    EXPECT_EQ(p.feed(std::string(100, 'x')), multipart_error::preamble_too_large);
}

TEST(multipart_boundary, from_content_type) {
    EXPECT_EQ(multipart_boundary("multipart/form-data; boundary=abc").value_or(""), "abc");
    EXPECT_EQ(multipart_boundary("Multipart/Form-Data;boundary=\"a b\"").has_value(), false);  // space refused
    EXPECT_EQ(multipart_boundary("multipart/form-data; charset=utf-8; boundary=\"----x\"").value_or(""), "----x");
    EXPECT_FALSE(multipart_boundary("application/json"));
    EXPECT_FALSE(multipart_boundary("multipart/form-data"));
    EXPECT_FALSE(multipart_boundary("multipart/form-data; boundary=" + std::string(71, 'a')));
}

TEST(media_type, parameters_blanks_and_case_aside) {
    EXPECT_TRUE(is_media_type("application/json", "application/json"));
    EXPECT_TRUE(is_media_type("Application/JSON; charset=utf-8", "application/json"));
    EXPECT_TRUE(is_media_type(" application/json ;charset=utf-8", "application/json"));
    EXPECT_FALSE(is_media_type("text/plain", "application/json"));
    EXPECT_FALSE(is_media_type("application/json-patch+json", "application/json"));
    EXPECT_FALSE(is_media_type("application/jsonx", "application/json"));
    EXPECT_FALSE(is_media_type("", "application/json"));
}
