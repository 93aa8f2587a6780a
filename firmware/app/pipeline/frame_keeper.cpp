#include "frame_keeper.hpp"

namespace gw {

void FrameKeeper::on_frame(const camera::Frame& frame) {
    {
        std::lock_guard<std::mutex> lock(mutex_);
        latest_[frame.camera] = frame;  // cv::Mat shares the buffer: no copy
    }
    if (next_) next_(frame);
}

camera::Frame FrameKeeper::latest(const std::string& camera) const {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = latest_.find(camera);
    if (it == latest_.end()) return {};
    camera::Frame copy = it->second;
    copy.image = it->second.image.clone();
    return copy;
}

}  // namespace gw
