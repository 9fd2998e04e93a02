//! Chinese names for the audit log's action and entity codes. The codes stay in the log
//! (they are what the hash chain covers and what filters match); people read these names.
//! A code without a name here is shown as it is, so a new action is never hidden.

/// "user.login" → "登录".
pub fn action_label(code: &str) -> String {
    let name = match code {
        "contribution.merge" => "合并配合单位材料",
        "contribution.save" => "保存配合单位材料",
        "database.restore" => "恢复数据库",
        "delivery.claim" => "领取待发消息",
        "extension.request" => "申请延期",
        "extension.approve" => "同意延期",
        "extension.refuse" => "不同意延期",
        "notice.answer" => "答复督办单",
        "notice.close" => "办结督办单",
        "notice.escalate" => "督办单升级",
        "notice.issue" => "下发督办单",
        "notice.number" => "编发文号",
        "plan.settings" => "修改公文设置",
        "notification.post" => "发送站内通知",
        "notification.read" => "标记通知已读",
        "plan.import" => "导入台账",
        "plan.reimport" => "更新台账",
        "plan.standings_recount" => "重算任务结论",
        "reminder.enqueue" => "生成催办提醒",
        "report.bulk_load" => "批量载入报告",
        "report.reopen" => "重新打开报告",
        "report.save" => "保存报告",
        "report.submit" => "报送报告",
        "report.accept" => "审核通过",
        "report.return" => "退回报告",
        "round.open" => "开启填报轮次",
        "round.close" => "关闭填报轮次",
        "round.reopen" => "重新开启轮次",
        "task.override" => "改判任务结论",
        "task.standing" => "任务结论变化",
        "unit.create" => "新建单位",
        "unit.email" => "设置单位邮箱",
        "user.create" => "新建账号",
        "user.email" => "设置账号邮箱",
        "user.login" => "登录",
        "user.login_failed" => "登录失败",
        "user.logout" => "退出登录",
        "user.set_password" => "设置密码",
        "user.unlock" => "解除登录限制",
        "user.login_refused" => "登录被暂缓",
        "user.directory_update" => "同步目录账号",
        "attachment.add" => "上传佐证材料",
        "closeout.apply" => "申请办结销号",
        "closeout.decide" => "审核办结销号",
        "closeout.reopen" => "重新打开任务",
        "instruction.write" => "领导批示",
        "instruction.answer" => "答复领导批示",
        "plan.handover" => "交办任务",
        "task.acknowledge" => "签收任务",
        "task.change_request" => "申请调整任务",
        "task.change_decide" => "审批任务调整",
        "task.create" => "新建任务",
        "task.edit" => "修改任务",
        "task.retire" => "撤销任务",
        "task.split" => "分解任务",
        "task.milestone_add" => "新增时间节点",
        "task.milestone_remove" => "删除时间节点",
        "token.create" => "创建接口令牌",
        "token.revoke" => "吊销接口令牌",
        "token.use_revoked" => "使用已吊销的令牌",
        "user.batch_create" => "批量新建单位账号",
        "user.disable" => "停用账号",
        "user.enable" => "启用账号",
        "user.rename" => "修改姓名",
        "unit.merge" => "合并单位",
        "plan.publish" => "开启公开页面",
        "plan.unpublish" => "关闭公开页面",
        "task.public_note" => "设置公开说明",
        "plan.score_rules" => "设置考核规则",
        _ => return code.to_string(),
    };
    name.to_string()
}

/// "task" → "任务".
pub fn entity_label(code: &str) -> String {
    let name = match code {
        "contribution" => "配合材料",
        "database" => "数据库",
        "delivery" => "消息投递",
        "extension" => "延期申请",
        "notice" => "督办单",
        "notification" => "站内通知",
        "outbox" => "待发消息",
        "plan" => "台账",
        "report" => "报告",
        "round" => "填报轮次",
        "task" => "任务",
        "unit" => "单位",
        "user" => "账号",
        "api_token" => "接口令牌",
        "attachment" => "佐证材料",
        "closeout" => "办结申请",
        "instruction" => "领导批示",
        "task_change_request" => "任务调整申请",
        _ => return code.to_string(),
    };
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_codes_read_in_chinese_and_unknown_ones_stay_visible() {
        assert_eq!(action_label("user.login_failed"), "登录失败");
        assert_eq!(entity_label("notice"), "督办单");
        assert_eq!(action_label("something.new"), "something.new");
        assert_eq!(entity_label("widget"), "widget");
    }
}
