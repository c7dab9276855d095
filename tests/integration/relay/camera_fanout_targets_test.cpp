// Which requests the relay's camera fan-out answers itself (one tunnel stream per camera,
// and the state with the relay's viewers)
// and which go through the proxy to the edge unchanged.
#include <gtest/gtest.h>

#include "camera_fanout.hpp"

namespace printgate::relay {
namespace {

TEST(camera_fanout_targets, streams_and_plain_snapshots_are_fanned_out) {
    for (const char* target :
         {"/webcam/stream", "/webcam/stream/", "/webcam/stream?fps=5", "/webcam/stream?camera=front&fps=15",
          "/webcam/?action=stream", "/webcam?action=stream", "/webcam/?action=stream&camera=side_2",
          "/webcam/snapshot", "/webcam/?action=snapshot", "/webcam/snapshot?camera=front",
          // The state: the edge's, with the relay's own viewers.
          "/webcam/state", "/webcam/state/", "/webcam/state?camera=front"}) {
        EXPECT_TRUE(camera_fanout::takes("GET", target, false)) << target;
        EXPECT_TRUE(camera_fanout::takes("HEAD", target, false)) << target;
    }
}

TEST(camera_fanout_targets, everything_else_goes_to_the_edge) {
    for (const char* target :
         {"/webcam/state?fps=5", "/webcam/state?camera=a/b", "/webcam/providers", "/webcam/snapshot?scale=2",
          "/webcam/snapshot?fps=5",
          "/webcam/stream?fps=0", "/webcam/stream?fps=121", "/webcam/stream?fps=x", "/webcam/stream?camera=a/b",
          "/webcam/stream?camera=", "/webcam/stream?camera=a&camera=b", "/webcam/stream?unknown=1",
          "/webcam/stream?fps", "/webcam/?action=state", "/webcam/stream?action=stream", "/?action=stream",
          "/webcam", "/webcam/streams", "/api/v1/state", "/webcam/timelapse", "/webcam/stream?camera=" 
          "abcdefghijabcdefghijabcdefghijabc"}) {
        EXPECT_FALSE(camera_fanout::takes("GET", target, false)) << target;
    }
    EXPECT_FALSE(camera_fanout::takes("POST", "/webcam/stream", false));
    EXPECT_FALSE(camera_fanout::takes("DELETE", "/webcam/snapshot", false));
    EXPECT_FALSE(camera_fanout::takes("GET", "/webcam/stream", true));  // a body: not a viewer
}

}  // namespace
}  // namespace printgate::relay
