<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>BuildRecordDialog</name>
    <message>
        <source>Build record - case %1</source>
        <translation>制造记录 - 病例 %1</translation>
    </message>
    <message>
        <source>Browse...</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Record</source>
        <translation>记录</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Build records (%1)</source>
        <translation>制造记录 (%1)</translation>
    </message>
    <message>
        <source>Build record</source>
        <translation>制造记录</translation>
    </message>
    <message>
        <source>How device %1 was built: what could make it fail its requirements (T/CAMDI 4.7.10). Checked as dvw build record checks a build record file and recorded as %2; a problem is shown at its field.</source>
        <translation>器械 %1 的制造过程：一切可能导致其不符合要求的因素（T/CAMDI 4.7.10）。按 dvw build record 核查制造记录文件的规则核查，并以 %2 的名义记录；如有问题，会在相应字段处指出。</translation>
    </message>
    <message>
        <source>The build job's id on the printer, e.g. BJ-2026-0147</source>
        <translation>打印设备上的制造作业编号，例如 BJ-2026-0147</translation>
    </message>
    <message>
        <source>When the build started (local time)</source>
        <translation>开始制造的时间（本地时间）</translation>
    </message>
    <message>
        <source>When the build finished (local time)</source>
        <translation>制造完成的时间（本地时间）</translation>
    </message>
    <message>
        <source>Who ran the build: a user of this workstation</source>
        <translation>制造操作人员：本工作站的用户</translation>
    </message>
    <message>
        <source>The witness sample carries the device's own number (T/CAMDI 4.7.11)</source>
        <translation>随炉试样带有与器械相同的编号（T/CAMDI 4.7.11）</translation>
    </message>
    <message>
        <source>The printer's equipment id, e.g. EOS-P396-02</source>
        <translation>打印设备的设备编号，例如 EOS-P396-02</translation>
    </message>
    <message>
        <source>When the printer's calibration is due: a calibration due before the build started is refused</source>
        <translation>打印设备的校准到期日：早于制造开始日期即视为校准过期，将被拒绝</translation>
    </message>
    <message>
        <source>The process parameter set's name, e.g. PEKK-standard-v3</source>
        <translation>工艺参数集名称，例如 PEKK-standard-v3</translation>
    </message>
    <message>
        <source>The parameter set's file: it is recorded by its SHA-256</source>
        <translation>工艺参数集文件：以其 SHA-256 值记录</translation>
    </message>
    <message>
        <source>Choose the parameter set's file</source>
        <translation>选择工艺参数集文件</translation>
    </message>
    <message>
        <source>Position of the part in the build volume (mm)</source>
        <translation>零件在成形空间中的位置（mm）</translation>
    </message>
    <message>
        <source>Orientation of the part (degrees about x, y, z)</source>
        <translation>零件的摆放方向（绕 x、y、z 轴的角度）</translation>
    </message>
    <message>
        <source>Build job id:</source>
        <translation>制造作业编号：</translation>
    </message>
    <message>
        <source>Started:</source>
        <translation>开始时间：</translation>
    </message>
    <message>
        <source>Finished:</source>
        <translation>完成时间：</translation>
    </message>
    <message>
        <source>Operator:</source>
        <translation>操作人员：</translation>
    </message>
    <message>
        <source>Witness sample:</source>
        <translation>随炉试样：</translation>
    </message>
    <message>
        <source>Printer (equipment id):</source>
        <translation>打印设备（设备编号）：</translation>
    </message>
    <message>
        <source>Calibration due:</source>
        <translation>校准到期日：</translation>
    </message>
    <message>
        <source>Parameter set:</source>
        <translation>工艺参数集：</translation>
    </message>
    <message>
        <source>Parameter file:</source>
        <translation>参数文件：</translation>
    </message>
    <message>
        <source>Placement:</source>
        <translation>摆放位置：</translation>
    </message>
    <message>
        <source>Orientation:</source>
        <translation>摆放方向：</translation>
    </message>
    <message>
        <source>Material</source>
        <translation>材料</translation>
    </message>
    <message>
        <source>Supplier</source>
        <translation>供应商</translation>
    </message>
    <message>
        <source>Lot</source>
        <translation>批号</translation>
    </message>
    <message>
        <source>Virgin share (0-1)</source>
        <translation>新粉比例（0-1）</translation>
    </message>
    <message>
        <source>GTIN (optional)</source>
        <translation>GTIN（可选）</translation>
    </message>
    <message>
        <source>The material lots the part was built from; virgin share 1 = all virgin powder, 0 = all reused</source>
        <translation>制造该零件所用的材料批次；新粉比例 1 表示全部为新粉，0 表示全部为回收粉</translation>
    </message>
    <message>
        <source>Quantity</source>
        <translation>测量项</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>数值</translation>
    </message>
    <message>
        <source>Unit</source>
        <translation>单位</translation>
    </message>
    <message>
        <source>Readings of the build's environment, each with its unit (e.g. chamber oxygen 0.8 %)</source>
        <translation>制造环境的读数，每项带单位（例如成形室氧含量 0.8 %）</translation>
    </message>
    <message>
        <source>Step</source>
        <translation>工序</translation>
    </message>
    <message>
        <source>Detail</source>
        <translation>说明</translation>
    </message>
    <message>
        <source>The post-processing steps, in order</source>
        <translation>后处理工序，按先后顺序</translation>
    </message>
    <message>
        <source>Material lots (at least one):</source>
        <translation>材料批次（至少一项）：</translation>
    </message>
    <message>
        <source>Environment readings:</source>
        <translation>环境读数：</translation>
    </message>
    <message>
        <source>Post-processing steps:</source>
        <translation>后处理工序：</translation>
    </message>
    <message>
        <source>Load from file...</source>
        <translation>从文件载入…</translation>
    </message>
    <message>
        <source>Fill the form from a build record file (TOML, as dvw build record takes); recorded unchanged, the file itself is recorded</source>
        <translation>用制造记录文件（TOML，与 dvw build record 所用相同）填写表单；未经修改直接记录时，记录的是该文件本身</translation>
    </message>
    <message>
        <source>Check the build record and record it with the case's device</source>
        <translation>核查制造记录，并记录到本病例的器械下</translation>
    </message>
    <message>
        <source>Close; nothing is recorded unless Record was pressed</source>
        <translation>关闭；未点击“记录”则不记录任何内容</translation>
    </message>
    <message>
        <source>Add row</source>
        <translation>添加行</translation>
    </message>
    <message>
        <source>Add a row at the end</source>
        <translation>在末尾添加一行</translation>
    </message>
    <message>
        <source>Remove row</source>
        <translation>删除行</translation>
    </message>
    <message>
        <source>Remove the selected row</source>
        <translation>删除所选行</translation>
    </message>
    <message>
        <source>Edited: the form is recorded, not the file.</source>
        <translation>已修改：将记录表单内容，而非文件。</translation>
    </message>
    <message>
        <source>Loaded %1: recorded as this file unless the form is edited.</source>
        <translation>已载入 %1：除非修改表单，否则按此文件记录。</translation>
    </message>
    <message>
        <source>Process parameter set</source>
        <translation>工艺参数集</translation>
    </message>
    <message>
        <source>(enter the date)</source>
        <translation>（请输入日期）</translation>
    </message>
    <message>
        <source>(enter the date and time)</source>
        <translation>（请输入日期和时间）</translation>
    </message>
</context>
<context>
    <name>CasesPanel</name>
    <message>
        <source>Case</source>
        <translation>病例</translation>
    </message>
    <message>
        <source>Revision</source>
        <translation>修订版</translation>
    </message>
    <message>
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Verdict</source>
        <translation>结论</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>器械</translation>
    </message>
    <message>
        <source>Cases in the local store; double-click to open one</source>
        <translation>本地存储库中的病例；双击打开</translation>
    </message>
    <message>
        <source>new case code, e.g. CP-2026-001</source>
        <translation>新病例编号，例如 CP-2026-001</translation>
    </message>
    <message>
        <source>A pseudonymous case code: letters, digits, dot, dash, underscore</source>
        <translation>假名化病例编号：字母、数字、点、连字符、下划线</translation>
    </message>
    <message>
        <source>New case</source>
        <translation>新建病例</translation>
    </message>
    <message>
        <source>Create a case with this code and open it (Ctrl+N)</source>
        <translation>以此编号新建病例并打开 (Ctrl+N)</translation>
    </message>
    <message>
        <source>Open case</source>
        <translation>打开病例</translation>
    </message>
    <message>
        <source>Open the selected case</source>
        <translation>打开所选病例</translation>
    </message>
    <message>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <source>Read the cases from the store again (F5)</source>
        <translation>重新从存储库读取病例 (F5)</translation>
    </message>
    <message>
        <source>Deadline</source>
        <translation>交付期限</translation>
    </message>
    <message>
        <source>Late: past the delivery deadline</source>
        <translation>已逾期：超过交付期限</translation>
    </message>
    <message>
        <source>At risk: due soon</source>
        <translation>有逾期风险：即将到期</translation>
    </message>
    <message>
        <source>Delivery deadline %1</source>
        <translation>交付期限 %1</translation>
    </message>
    <message>
        <source>%1 d late</source>
        <translation>逾期 %1 天</translation>
    </message>
    <message>
        <source>%1 d left</source>
        <translation>剩余 %1 天</translation>
    </message>
</context>
<context>
    <name>CheckPanel</name>
    <message>
        <source>Load design...</source>
        <translation>载入设计…</translation>
    </message>
    <message>
        <source>Load the device design (STL, 3MF, PLY, OBJ) (Ctrl+D)</source>
        <translation>载入器械设计 (STL、3MF、PLY、OBJ) (Ctrl+D)</translation>
    </message>
    <message>
        <source>No design loaded.</source>
        <translation>尚未载入设计。</translation>
    </message>
    <message>
        <source>Wall thickness</source>
        <translation>壁厚</translation>
    </message>
    <message>
        <source>Colour the design on the 3D view by its wall thickness: red where thin, blue where thick, grey where no opposite wall was found; the scale is in mm (Ctrl+T)</source>
        <translation>在三维视图中按壁厚为设计着色：薄处为红色，厚处为蓝色，未找到对侧壁处为灰色；标尺单位为 mm（Ctrl+T）</translation>
    </message>
    <message>
        <source>Each vertex&apos;s wall thickness: the distance along its inward normal to the opposite surface, as the design.min_wall_thickness parameter measures it</source>
        <translation>每个顶点的壁厚：沿其向内法线到对侧表面的距离，与参数 design.min_wall_thickness 的测量方法相同</translation>
    </message>
    <message>
        <source>The validated design envelope to check against</source>
        <translation>用于核查的已验证设计包络</translation>
    </message>
    <message>
        <source>Other envelope...</source>
        <translation>其他设计包络…</translation>
    </message>
    <message>
        <source>Choose an envelope file (.toml)</source>
        <translation>选择设计包络文件 (.toml)</translation>
    </message>
    <message>
        <source>not given</source>
        <translation>未提供</translation>
    </message>
    <message>
        <source> years</source>
        <translation> 岁</translation>
    </message>
    <message>
        <source>The patient&apos;s age (a patient fact the envelope may limit)</source>
        <translation>患者年龄（设计包络可能限定的患者信息）</translation>
    </message>
    <message>
        <source>The patient&apos;s weight (optional)</source>
        <translation>患者体重（可选）</translation>
    </message>
    <message>
        <source>Run check</source>
        <translation>运行核查</translation>
    </message>
    <message>
        <source>Measure the design and anatomy and check every parameter (Ctrl+R)</source>
        <translation>测量设计与解剖结构，并核查每个参数 (Ctrl+R)</translation>
    </message>
    <message>
        <source>Envelope:</source>
        <translation>设计包络：</translation>
    </message>
    <message>
        <source>Patient age:</source>
        <translation>患者年龄：</translation>
    </message>
    <message>
        <source>Patient weight:</source>
        <translation>患者体重：</translation>
    </message>
    <message>
        <source>Design file</source>
        <translation>设计文件</translation>
    </message>
    <message>
        <source>Meshes (*.stl *.3mf *.ply *.obj)</source>
        <translation>网格文件 (*.stl *.3mf *.ply *.obj)</translation>
    </message>
    <message>
        <source>Envelope file</source>
        <translation>设计包络文件</translation>
    </message>
    <message>
        <source>Envelopes (*.toml)</source>
        <translation>设计包络文件 (*.toml)</translation>
    </message>
    <message>
        <source>%1: %2 triangles; volume %3 cm³, area %4 cm²; box %5 x %6 x %7 mm; watertight: %8, shells: %9; thinnest wall %10 mm</source>
        <translation>%1：%2 个三角面；体积 %3 cm³，面积 %4 cm²；包围盒 %5 x %6 x %7 mm；水密：%8，壳体数：%9；最薄壁厚 %10 mm</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>no</source>
        <translation>否</translation>
    </message>
    <message>
        <source>Wall thickness: no opposite wall found (an open surface?)</source>
        <translation>壁厚：未找到对侧壁（是否为开放曲面？）</translation>
    </message>
    <message>
        <source>Wall thickness %1 to %2 mm (median %3 mm); %4 vertices without an opposite wall</source>
        <translation>壁厚 %1 至 %2 mm（中位数 %3 mm）；%4 个顶点未找到对侧壁</translation>
    </message>
</context>
<context>
    <name>CheckTableView</name>
    <message>
        <source>Parameter</source>
        <translation>参数</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>数值</translation>
    </message>
    <message>
        <source>Unit</source>
        <translation>单位</translation>
    </message>
    <message>
        <source>Min</source>
        <translation>下限</translation>
    </message>
    <message>
        <source>Max</source>
        <translation>上限</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Margin</source>
        <translation>裕量</translation>
    </message>
    <message>
        <source>Every envelope parameter with its measured value, limits, status and margin</source>
        <translation>每个设计包络参数的测量值、限值、状态与裕量</translation>
    </message>
    <message>
        <source>Measured: %1</source>
        <translation>测量方法：%1</translation>
    </message>
    <message>
        <source>Why this range (design envelope): %1</source>
        <translation>此范围的依据（设计包络）：%1</translation>
    </message>
</context>
<context>
    <name>Events</name>
    <message>
        <source>case created</source>
        <extracomment>The events of the records log, by kind (the audit trail&apos;s Event column).</extracomment>
        <translation>创建病例</translation>
    </message>
    <message>
        <source>inputs added</source>
        <translation>添加输入</translation>
    </message>
    <message>
        <source>check run</source>
        <translation>运行核查</translation>
    </message>
    <message>
        <source>re-verification recorded</source>
        <translation>记录再验证</translation>
    </message>
    <message>
        <source>signature</source>
        <translation>签名</translation>
    </message>
    <message>
        <source>design changed</source>
        <translation>设计变更</translation>
    </message>
    <message>
        <source>note</source>
        <translation>备注</translation>
    </message>
    <message>
        <source>received by sync</source>
        <translation>经同步接收</translation>
    </message>
    <message>
        <source>conflict resolved</source>
        <translation>冲突已解决</translation>
    </message>
    <message>
        <source>measurement recorded</source>
        <translation>记录测量</translation>
    </message>
    <message>
        <source>UDI assigned</source>
        <translation>分配 UDI</translation>
    </message>
    <message>
        <source>trace event</source>
        <translation>追溯事件</translation>
    </message>
    <message>
        <source>bundle imported</source>
        <translation>导入病例包</translation>
    </message>
    <message>
        <source>self-test recorded</source>
        <translation>记录自检</translation>
    </message>
    <message>
        <source>site trusted</source>
        <translation>信任站点</translation>
    </message>
    <message>
        <source>user added</source>
        <translation>添加用户</translation>
    </message>
    <message>
        <source>user disabled</source>
        <translation>停用用户</translation>
    </message>
    <message>
        <source>user&apos;s role changed</source>
        <translation>用户角色变更</translation>
    </message>
    <message>
        <source>user unlocked</source>
        <translation>解锁用户</translation>
    </message>
    <message>
        <source>sign-in failed</source>
        <translation>登录失败</translation>
    </message>
</context>
<context>
    <name>Findings</name>
    <message>
        <source>Gantry tilt: resampled onto an orthogonal grid</source>
        <extracomment>What the import&apos;s findings mean, by code (the core&apos;s message, with its numbers, goes in the item&apos;s tooltip).</extracomment>
        <translation>机架倾斜：已重采样到正交网格</translation>
    </message>
    <message>
        <source>Uneven slice spacing: resampled at the smallest regular step</source>
        <translation>层间距不均匀：已按最小规则间距重采样</translation>
    </message>
    <message>
        <source>Missing slices in the series</source>
        <translation>序列中有缺层</translation>
    </message>
    <message>
        <source>Several slices at the same position</source>
        <translation>多个层面位于同一位置</translation>
    </message>
    <message>
        <source>The same image in several files</source>
        <translation>同一图像存于多个文件中</translation>
    </message>
    <message>
        <source>Slices with different orientations</source>
        <translation>层面方向不一致</translation>
    </message>
    <message>
        <source>Too few slices for a volume</source>
        <translation>层数太少，无法构成体数据</translation>
    </message>
    <message>
        <source>CT without rescale values: stored values taken as HU</source>
        <translation>CT 缺少重标定值：存储值按 HU 处理</translation>
    </message>
    <message>
        <source>Compressed pixel data (decoded)</source>
        <translation>压缩的像素数据（已解码）</translation>
    </message>
    <message>
        <source>The gantry tilt tag disagrees with the slice positions</source>
        <translation>机架倾角标签与层面位置不一致</translation>
    </message>
    <message>
        <source>No slice position or orientation</source>
        <translation>缺少层面位置或方向</translation>
    </message>
    <message>
        <source>Resampled onto a regular grid</source>
        <translation>已重采样到规则网格</translation>
    </message>
    <message>
        <source>The slice positions cannot form a volume</source>
        <translation>层面位置无法构成体数据</translation>
    </message>
    <message>
        <source>The volume would be too large</source>
        <translation>体数据将过大</translation>
    </message>
    <message>
        <source>Files with invalid header values</source>
        <translation>文件头中有无效值</translation>
    </message>
    <message>
        <source>Localizer (scout) images: not a volume</source>
        <translation>定位像：不是体数据</translation>
    </message>
    <message>
        <source>Images in different frames of reference</source>
        <translation>图像属于不同的参考坐标系</translation>
    </message>
    <message>
        <source>No image pixel data (a report, structure set or state)</source>
        <translation>没有图像像素数据（报告、结构集或显示状态）</translation>
    </message>
    <message>
        <source>Files without preamble (ACR-NEMA style), read as implicit VR</source>
        <translation>文件没有前导（ACR-NEMA 格式），按隐式 VR 读取</translation>
    </message>
    <message>
        <source>Pixel padding outside the scanned field replaced</source>
        <translation>扫描野外的填充像素已替换</translation>
    </message>
    <message>
        <source>Secondary capture or colour images: not a volume</source>
        <translation>二次采集或彩色图像：不是体数据</translation>
    </message>
    <message>
        <source>Reopened from the case&apos;s saved volume; the findings are those recorded at its import</source>
        <extracomment>A reopened case&apos;s volume (workflow.reopen): with the findings recorded at its import, or without them.</extracomment>
        <translation>从病例已保存的体数据重新打开；所列发现为导入时记录的发现</translation>
    </message>
    <message>
        <source>Reopened from the case&apos;s saved volume; the DICOM series&apos; findings are not kept in it</source>
        <translation>从病例已保存的体数据重新打开；其中未保存 DICOM 序列的发现</translation>
    </message>
    <message>
        <source>volume</source>
        <extracomment>What kind of series the scan found (``imaging.series``&apos; kinds).</extracomment>
        <translation>体数据</translation>
    </message>
    <message>
        <source>localizer</source>
        <translation>定位像</translation>
    </message>
    <message>
        <source>secondary capture</source>
        <translation>二次采集</translation>
    </message>
    <message>
        <source>single image</source>
        <translation>单幅图像</translation>
    </message>
    <message>
        <source>multi-frame</source>
        <translation>多帧</translation>
    </message>
    <message>
        <source>other</source>
        <translation>其他</translation>
    </message>
</context>
<context>
    <name>ImportPanel</name>
    <message>
        <source>Choose folder...</source>
        <translation>选择文件夹…</translation>
    </message>
    <message>
        <source>Choose a folder with DICOM files, or drop one on the window (Ctrl+O)</source>
        <translation>选择含 DICOM 文件的文件夹，或将文件夹拖放到窗口上 (Ctrl+O)</translation>
    </message>
    <message>
        <source>No folder chosen; you can also drop a folder on the window.</source>
        <translation>尚未选择文件夹；也可以将文件夹拖放到窗口上。</translation>
    </message>
    <message>
        <source>Series</source>
        <translation>序列</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>类型</translation>
    </message>
    <message>
        <source>Slices</source>
        <translation>层数</translation>
    </message>
    <message>
        <source>Spacing (mm)</source>
        <translation>间距 (mm)</translation>
    </message>
    <message>
        <source>Findings</source>
        <translation>发现项</translation>
    </message>
    <message>
        <source>The series found; pick the one to import</source>
        <translation>找到的序列；请选择要导入的序列</translation>
    </message>
    <message>
        <source>Import series</source>
        <translation>导入序列</translation>
    </message>
    <message>
        <source>Assemble the selected series into a volume (Ctrl+I)</source>
        <translation>将所选序列组装为体数据 (Ctrl+I)</translation>
    </message>
    <message>
        <source>What the import found and corrected; nothing is hidden</source>
        <translation>导入时发现并校正的问题；全部如实显示</translation>
    </message>
    <message>
        <source>Import findings:</source>
        <translation>导入发现项：</translation>
    </message>
    <message>
        <source>DICOM folder</source>
        <translation>DICOM 文件夹</translation>
    </message>
    <message>
        <source>%1 files, %2 series, %3 skipped</source>
        <translation>%1 个文件，%2 个序列，跳过 %3 个</translation>
    </message>
    <message>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <source>No findings.</source>
        <translation>无发现项。</translation>
    </message>
    <message>
        <source>Imported: %1 voxels, spacing %2 mm, values %3 to %4 HU</source>
        <translation>已导入：%1 体素，间距 %2 mm，数值 %3 至 %4 HU</translation>
    </message>
</context>
<context>
    <name>InspectDialog</name>
    <message>
        <source>Inspect printed part - case %1</source>
        <translation>检验打印件 - 病例 %1</translation>
    </message>
    <message>
        <source>The 3D scan of the printed part is registered onto the case&apos;s design (any pose, no picking) and each scan point&apos;s deviation from it is measured. The inspection is recorded with your name, the scan and the report; a failed inspection makes the device nonconforming for good.</source>
        <translation>打印件的三维扫描将自动配准到本病例的设计上（任意摆放姿态，无需手动选点），并测量每个扫描点相对设计的偏差。检验记录将载明您的姓名、扫描文件和检验报告；检验不合格的器械即永久判定为不合格品。</translation>
    </message>
    <message>
        <source>scan file: STL, PLY, OBJ or XYZ, in mm</source>
        <translation>扫描文件：STL、PLY、OBJ 或 XYZ，单位 mm</translation>
    </message>
    <message>
        <source>A mesh or point cloud of the printed part, in mm, in any pose</source>
        <translation>打印件的网格或点云，单位 mm，姿态不限</translation>
    </message>
    <message>
        <source>Browse...</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Choose the scan file</source>
        <translation>选择扫描文件</translation>
    </message>
    <message>
        <source>Own tolerance</source>
        <translation>自定公差</translation>
    </message>
    <message>
        <source>Unchecked: the device family&apos;s inspection tolerances</source>
        <translation>不勾选时：采用器械族规定的检验公差</translation>
    </message>
    <message>
        <source>The inspector: a user with the quality role</source>
        <translation>检验员：具有质量角色的用户</translation>
    </message>
    <message>
        <source>The inspector&apos;s password: the record is theirs</source>
        <translation>检验员的密码：该记录归属于检验员本人</translation>
    </message>
    <message>
        <source>Scan:</source>
        <translation>扫描：</translation>
    </message>
    <message>
        <source>Tolerance:</source>
        <translation>公差：</translation>
    </message>
    <message>
        <source>Inspector:</source>
        <translation>检验员：</translation>
    </message>
    <message>
        <source>Password:</source>
        <translation>密码：</translation>
    </message>
    <message>
        <source>Inspect</source>
        <translation>检验</translation>
    </message>
    <message>
        <source>Register the scan, measure it and record the inspection</source>
        <translation>配准扫描、测量偏差并记录检验</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Close; a running inspection is cancelled and nothing is recorded</source>
        <translation>关闭；正在进行的检验将被取消，不作任何记录</translation>
    </message>
    <message>
        <source>No user of this workstation has the quality role: nobody here may inspect.</source>
        <translation>本工作站没有具有质量角色的用户：无人可进行检验。</translation>
    </message>
    <message>
        <source>Scan of the printed part</source>
        <translation>打印件的扫描</translation>
    </message>
    <message>
        <source>Scans (%1)</source>
        <translation>扫描文件 (%1)</translation>
    </message>
    <message>
        <source>Only a user with the quality role records a final inspection.</source>
        <translation>只有具有质量角色的用户才能记录最终检验。</translation>
    </message>
    <message>
        <source>The file is not a scan DVW can read (a mesh or point cloud in mm):</source>
        <translation>该文件不是 DVW 可读取的扫描（单位为 mm 的网格或点云）：</translation>
    </message>
    <message>
        <source>The device is nonconforming: it is never inspected again or released.</source>
        <translation>该器械为不合格品：不再检验，也不得放行。</translation>
    </message>
    <message>
        <source>The case&apos;s current revision has no UDI: nothing was made to inspect.</source>
        <translation>本病例的当前修订版没有 UDI：尚无可检验的器械。</translation>
    </message>
    <message>
        <source>Choose the scan file first.</source>
        <translation>请先选择扫描文件。</translation>
    </message>
</context>
<context>
    <name>InspectionResultDialog</name>
    <message>
        <source>Inspection of case %1</source>
        <translation>病例 %1 的检验</translation>
    </message>
    <message>
        <source>PASS: device %1 is within its tolerances (conforming).</source>
        <translation>合格：器械 %1 在公差范围内（符合要求）。</translation>
    </message>
    <message>
        <source>FAIL: device %1 is out of tolerance. It is nonconforming and is never released.</source>
        <translation>不合格：器械 %1 超出公差，判定为不合格品，不得放行。</translation>
    </message>
    <message>
        <source>Inspector: %1, %2. Registration RMS %3 mm over %4 scan points. Worst point %5 mm (marked). Figures of each point&apos;s median deviation over its 16 nearest points.</source>
        <translation>检验员：%1，%2。配准 RMS %3 mm（%4 个扫描点）。最大偏差点 %5 mm（已标记）。各项数值为每个点与其最近 16 个点偏差的中位数。</translation>
    </message>
    <message>
        <source>Region</source>
        <translation>区域</translation>
    </message>
    <message>
        <source>Points</source>
        <translation>点数</translation>
    </message>
    <message>
        <source>Max (mm)</source>
        <translation>最大值 (mm)</translation>
    </message>
    <message>
        <source>Min (mm)</source>
        <translation>最小值 (mm)</translation>
    </message>
    <message>
        <source>Mean (mm)</source>
        <translation>平均值 (mm)</translation>
    </message>
    <message>
        <source>RMS (mm)</source>
        <translation>RMS (mm)</translation>
    </message>
    <message>
        <source>Within tolerance</source>
        <translation>公差内占比</translation>
    </message>
    <message>
        <source>Tolerance (mm)</source>
        <translation>公差 (mm)</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>The deviation figures of each region, outward positive</source>
        <translation>各区域的偏差数值，向外为正</translation>
    </message>
    <message>
        <source>pass</source>
        <translation>合格</translation>
    </message>
    <message>
        <source>FAIL</source>
        <translation>不合格</translation>
    </message>
    <message>
        <source>Recorded inspection, read back (read-only): the figures are the recorded report's; the colour map is drawn again from the recorded scan, registration and design, each checked by its SHA-256. Report %1.</source>
        <translation>已记录的检验，从记录中读回（只读）：各项数值取自所记录的报告；色图由所记录的扫描、配准与设计重新绘制，每一项均已按其 SHA-256 核对。报告 %1。</translation>
    </message>
</context>
<context>
    <name>JoinDialog</name>
    <message>
        <source>Join the sync server</source>
        <translation>加入同步服务器</translation>
    </message>
    <message>
        <source>The address of the company&apos;s sync server</source>
        <translation>公司同步服务器的地址</translation>
    </message>
    <message>
        <source>The one-time enrolment token (dvw server enroll-site prints it on the server)</source>
        <translation>一次性注册令牌（由管理员在服务器上生成）</translation>
    </message>
    <message>
        <source>Sync server:</source>
        <translation>同步服务器：</translation>
    </message>
    <message>
        <source>Enrolment token:</source>
        <translation>注册令牌：</translation>
    </message>
    <message>
        <source>This workstation makes its own key and enrols it with the token; the token works once. Patient identity never leaves this site.</source>
        <translation>本工作站生成自己的密钥，并用令牌注册该密钥；令牌只能使用一次。患者身份信息绝不会离开本站点。</translation>
    </message>
    <message>
        <source>Join</source>
        <translation>加入</translation>
    </message>
</context>
<context>
    <name>LockView</name>
    <message>
        <source>password</source>
        <translation>密码</translation>
    </message>
    <message>
        <source>The password of the user who locked the window; Enter unlocks</source>
        <translation>锁定窗口的用户的密码；按回车键解锁</translation>
    </message>
    <message>
        <source>Unlock</source>
        <translation>解锁</translation>
    </message>
    <message>
        <source>Check the password and continue where the work was left</source>
        <translation>核对密码，从中断处继续工作</translation>
    </message>
    <message>
        <source>Set up...</source>
        <translation>设置…</translation>
    </message>
    <message>
        <source>Set up the store&apos;s first administrator</source>
        <translation>设置存储库的第一位管理员</translation>
    </message>
    <message>
        <source>Sign in as another user...</source>
        <translation>以其他用户登录…</translation>
    </message>
    <message>
        <source>Another user signs in; the open case is closed and its work not yet checked is not kept</source>
        <translation>由其他用户登录；已打开的病例将被关闭，尚未核查的工作不予保留</translation>
    </message>
    <message>
        <source>Sign in...</source>
        <translation>登录…</translation>
    </message>
    <message>
        <source>Sign in with your user id and password</source>
        <translation>使用您的用户名和密码登录</translation>
    </message>
    <message>
        <source>Opening the store...</source>
        <translation>正在打开存储库…</translation>
    </message>
    <message>
        <source>The store cannot be opened</source>
        <translation>无法打开存储库</translation>
    </message>
    <message>
        <source>%1: %2. Choose another store folder in Settings.</source>
        <translation>%1：%2。请在“设置”中选择其他存储库文件夹。</translation>
    </message>
    <message>
        <source>Set up this workstation</source>
        <translation>设置本工作站</translation>
    </message>
    <message>
        <source>The store %1 has no users yet. Set up its first administrator to start.</source>
        <translation>存储库 %1 尚无用户。请先设置其第一位管理员。</translation>
    </message>
    <message>
        <source>Nobody is signed in</source>
        <translation>尚无用户登录</translation>
    </message>
    <message>
        <source>Sign in to work with the cases of the store %1. Every record names who made it.</source>
        <translation>请登录以处理存储库 %1 中的病例。每条记录都会注明其操作人。</translation>
    </message>
    <message>
        <source>The window was locked.</source>
        <translation>窗口已锁定。</translation>
    </message>
    <message>
        <source>The window locked after less than a minute without use.</source>
        <translation>窗口在不到一分钟无操作后已锁定。</translation>
    </message>
    <message>
        <source>The window locked after %1 minutes without use.</source>
        <translation>窗口在 %1 分钟无操作后已锁定。</translation>
    </message>
    <message>
        <source>%1 Enter the password to continue.</source>
        <translation>%1请输入密码以继续。</translation>
    </message>
    <message>
        <source>Locked</source>
        <translation>已锁定</translation>
    </message>
    <message>
        <source>%1 (%2, %3)</source>
        <comment>printed name (user id, role)</comment>
        <translation>%1（%2，%3）</translation>
    </message>
    <message>
        <source>Checking...</source>
        <translation>正在核对…</translation>
    </message>
    <message>
        <source>Could not sign in: %1</source>
        <translation>无法登录：%1</translation>
    </message>
    <message>
        <source>Enter the password.</source>
        <translation>请输入密码。</translation>
    </message>
</context>
<context>
    <name>MainView</name>
    <message>
        <source>Nothing to show: case %1 has a recorded check, but its meshes are not in its work folder %2. A case recorded by dvw demo or dvw run keeps its files in that command&apos;s output folder.</source>
        <translation>没有可显示的内容：病例 %1 已记录核查，但其网格不在其工作文件夹 %2 中。由 dvw demo 或 dvw run 记录的病例，其文件保存在该命令的输出文件夹中。</translation>
    </message>
    <message>
        <source>DVW design-validation workstation</source>
        <extracomment>What the window loads in the background after it opens: first the records (the case list), then the rest.</extracomment>
        <translation>DVW 设计验证工作站</translation>
    </message>
    <message>
        <source>1 Cases</source>
        <extracomment>Opens a URL on the desktop (a written report): QDesktopServices, or a test&apos;s recorder (no viewer started). Measurements placed while no case was open (shown, not recorded); the case&apos;s own come from its log.</extracomment>
        <translation>1 病例</translation>
    </message>
    <message>
        <source>2 Import</source>
        <translation>2 导入</translation>
    </message>
    <message>
        <source>3 Segment</source>
        <translation>3 分割</translation>
    </message>
    <message>
        <source>4 Design &amp; Check</source>
        <translation>4 设计与核查</translation>
    </message>
    <message>
        <source>5 Review</source>
        <translation>5 评审</translation>
    </message>
    <message>
        <source>The workflow steps (Alt+1 to Alt+5)</source>
        <translation>工作流程步骤 (Alt+1 至 Alt+5)</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>就绪</translation>
    </message>
    <message>
        <source>The open case</source>
        <translation>当前打开的病例</translation>
    </message>
    <message>
        <source>The case&apos;s state, derived from its records log</source>
        <translation>病例状态，由其记录日志推导</translation>
    </message>
    <message>
        <source>The verdict of the case&apos;s latest check</source>
        <translation>病例最近一次核查的结论</translation>
    </message>
    <message>
        <source>Replication to the company server</source>
        <translation>与公司服务器的同步</translation>
    </message>
    <message>
        <source>Sync now</source>
        <translation>立即同步</translation>
    </message>
    <message>
        <source>Sync with the company server now (Ctrl+Shift+Y)</source>
        <translation>立即与公司服务器同步（Ctrl+Shift+Y）</translation>
    </message>
    <message>
        <source>The local store folder</source>
        <translation>本地存储库文件夹</translation>
    </message>
    <message>
        <source>Who is signed in: every record made here names them (File menu: Lock, Switch user, Sign out)</source>
        <translation>当前登录用户：此处生成的每条记录都会注明该用户（文件菜单：锁定、切换用户、退出登录）</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>Open DICOM folder...</source>
        <translation>打开 DICOM 文件夹…</translation>
    </message>
    <message>
        <source>Scan a folder of DICOM files</source>
        <translation>扫描 DICOM 文件夹</translation>
    </message>
    <message>
        <source>Export report...</source>
        <translation>导出报告…</translation>
    </message>
    <message>
        <source>Write the case&apos;s PDF report</source>
        <translation>生成病例的 PDF 报告</translation>
    </message>
    <message>
        <source>Settings...</source>
        <translation>设置…</translation>
    </message>
    <message>
        <source>Store folder, language, sync server</source>
        <translation>存储库文件夹、语言、同步服务器</translation>
    </message>
    <message>
        <source>Send this site&apos;s new records to the company server and receive the other sites&apos;</source>
        <translation>将本站点的新记录发送到公司服务器，并接收其他站点的记录</translation>
    </message>
    <message>
        <source>Join sync server...</source>
        <translation>加入同步服务器……</translation>
    </message>
    <message>
        <source>Enrol this workstation with the company&apos;s sync server once</source>
        <translation>将本工作站在公司同步服务器上注册（仅需一次）</translation>
    </message>
    <message>
        <source>Lock</source>
        <translation>锁定</translation>
    </message>
    <message>
        <source>Lock the window now; your password unlocks it</source>
        <translation>立即锁定窗口；输入您的密码即可解锁</translation>
    </message>
    <message>
        <source>Switch user...</source>
        <translation>切换用户…</translation>
    </message>
    <message>
        <source>Lock the window and let another user sign in; the open case is closed</source>
        <translation>锁定窗口并由其他用户登录；已打开的病例将被关闭</translation>
    </message>
    <message>
        <source>Sign out</source>
        <translation>退出登录</translation>
    </message>
    <message>
        <source>Sign out; the open case is closed and its unchecked work is not kept</source>
        <translation>退出登录；已打开的病例将被关闭，尚未核查的工作不予保留</translation>
    </message>
    <message>
        <source>Quit</source>
        <translation>退出</translation>
    </message>
    <message>
        <source>Close DVW</source>
        <translation>关闭 DVW</translation>
    </message>
    <message>
        <source>Recent cases</source>
        <translation>最近的病例</translation>
    </message>
    <message>
        <source>&amp;Case</source>
        <translation>病例(&amp;C)</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>Go to this step of the workflow</source>
        <translation>转到工作流程的此步骤</translation>
    </message>
    <message>
        <source>Review mode</source>
        <translation>评审模式</translation>
    </message>
    <message>
        <source>3D distance</source>
        <translation>三维测距</translation>
    </message>
    <message>
        <source>Measure a distance in the 3D view: click two points on the surfaces (Shift+D)</source>
        <translation>在三维视图中测量距离：在表面上单击两个点（Shift+D）</translation>
    </message>
    <message>
        <source>Large fonts for the review</source>
        <translation>评审时使用大字体</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>Manual</source>
        <translation>使用手册</translation>
    </message>
    <message>
        <source>The workflow, each step, what the verdicts mean, the keyboard shortcuts</source>
        <translation>工作流程、各个步骤、各结论的含义、键盘快捷键</translation>
    </message>
    <message>
        <source>About DVW</source>
        <translation>关于 DVW</translation>
    </message>
    <message>
        <source>Version and software manifest</source>
        <translation>版本与软件清单</translation>
    </message>
    <message>
        <source>Open case %1</source>
        <translation>打开病例 %1</translation>
    </message>
    <message>
        <source>No recent cases</source>
        <translation>没有最近的病例</translation>
    </message>
    <message>
        <source>No case open</source>
        <translation>未打开病例</translation>
    </message>
    <message>
        <source>Case %1 (revision %2)</source>
        <translation>病例 %1（修订版 %2）</translation>
    </message>
    <message>
        <source>State: %1</source>
        <translation>状态：%1</translation>
    </message>
    <message>
        <source>Verdict: %1</source>
        <translation>结论：%1</translation>
    </message>
    <message>
        <source>%1°</source>
        <translation>%1 度</translation>
    </message>
    <message>
        <source>%1 (not recorded: open a case to keep measurements with it)</source>
        <translation>%1（未记录：请先打开病例，测量才能随病例保存）</translation>
    </message>
    <message>
        <source>%1 recorded with the case</source>
        <translation>%1 已随病例记录</translation>
    </message>
    <message>
        <source>Case %1: its saved work was not loaded, newer results are shown</source>
        <translation>病例 %1：未加载其已保存的工作，显示的是更新的结果</translation>
    </message>
    <message>
        <source>volume</source>
        <translation>体数据</translation>
    </message>
    <message>
        <source>mask</source>
        <translation>掩膜</translation>
    </message>
    <message>
        <source>anatomy mesh</source>
        <translation>解剖网格</translation>
    </message>
    <message>
        <source>design</source>
        <translation>设计</translation>
    </message>
    <message>
        <source>last check</source>
        <translation>上次核查</translation>
    </message>
    <message>
        <source>Case %1 reopened: %2 loaded.</source>
        <translation>病例 %1 已重新打开：已加载%2。</translation>
    </message>
    <message>
        <source>, </source>
        <comment>list separator</comment>
        <translation>、</translation>
    </message>
    <message>
        <source>Case %1 opened: no saved work to load.</source>
        <translation>病例 %1 已打开：没有可加载的已保存工作。</translation>
    </message>
    <message>
        <source>Case %1: work made after its last check was loaded; it has not been checked.</source>
        <translation>病例 %1：已载入在上次核查之后生成的工作文件；它们尚未经过核查。</translation>
    </message>
    <message>
        <source>%1 locked this window. If you sign in as another user, the open case is closed and its work not yet checked is not kept.</source>
        <translation>%1 锁定了此窗口。如果您以其他用户登录，已打开的病例将被关闭，尚未核查的工作不予保留。</translation>
    </message>
    <message>
        <source>Signed in: %1 (%2)</source>
        <translation>已登录：%1（%2）</translation>
    </message>
    <message>
        <source>Not signed in</source>
        <translation>未登录</translation>
    </message>
    <message>
        <source>Syncing with the company server...</source>
        <translation>正在与公司服务器同步……</translation>
    </message>
    <message>
        <source>Joined %1 as %2.</source>
        <translation>已以 %2 的身份加入 %1。</translation>
    </message>
    <message>
        <source>Site %1 (%2), enrolled with the server, is now trusted.</source>
        <translation>已在服务器注册的站点 %1（%2）现已受信任。</translation>
    </message>
    <message>
        <source>Site %1, enrolled with the server, is now trusted.</source>
        <translation>已在服务器注册的站点 %1 现已受信任。</translation>
    </message>
    <message>
        <source>Synced: %1 events sent, %2 received; %3 files sent, %4 received; conflicts: %5</source>
        <translation>已同步：发送事件 %1 个，接收 %2 个；发送文件 %3 个，接收 %4 个；冲突：%5</translation>
    </message>
    <message>
        <source>Synced with %1: %2 events sent, %3 received; %4 files sent, %5 received; conflicts: %6</source>
        <translation>已与 %1 同步：发送事件 %2 个，接收 %3 个；发送文件 %4 个，接收 %5 个；冲突：%6</translation>
    </message>
    <message>
        <source>Sites not trusted yet, sync again: %1</source>
        <translation>尚未受信任的站点（请再次同步）：%1</translation>
    </message>
    <message>
        <source>Sync: status unknown</source>
        <translation>同步：状态未知</translation>
    </message>
    <message>
        <source>The sync status could not be read: %1</source>
        <translation>无法读取同步状态：%1</translation>
    </message>
    <message>
        <source>Sync: not configured</source>
        <translation>同步：未配置</translation>
    </message>
    <message>
        <source>Sync: not configured; events only here: %1</source>
        <translation>同步：未配置；仅存于本机的事件：%1</translation>
    </message>
    <message>
        <source>Sync: %1, not joined yet; events to push: %2</source>
        <translation>同步：%1，尚未加入；待推送事件：%2</translation>
    </message>
    <message>
        <source>Sync: never synced; events to push: %1</source>
        <translation>同步：从未同步；待推送事件：%1</translation>
    </message>
    <message>
        <source>Sync: last %1; events to push: %2</source>
        <translation>同步：上次 %1；待推送事件：%2</translation>
    </message>
    <message>
        <source>Store: %1</source>
        <translation>存储库：%1</translation>
    </message>
    <message>
        <source>Sync: %1</source>
        <translation>同步：%1</translation>
    </message>
    <message>
        <source>Replication to the company server (reading its status...)</source>
        <translation>与公司服务器的同步（正在读取状态…）</translation>
    </message>
    <message>
        <source>never</source>
        <translation>从未</translation>
    </message>
    <message>
        <source>Replication of the records to the company server.</source>
        <translation>记录与公司服务器之间的同步。</translation>
    </message>
    <message>
        <source>Server in the settings: %1</source>
        <translation>设置中的服务器：%1</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>Site enrolment: %1</source>
        <translation>站点注册：%1</translation>
    </message>
    <message>
        <source>joined %1 as %2</source>
        <translation>已以 %2 的名义加入 %1</translation>
    </message>
    <message>
        <source>not joined (an administrator enrols this workstation once)</source>
        <translation>未加入（由管理员为本工作站注册一次）</translation>
    </message>
    <message>
        <source>Site id: %1</source>
        <translation>站点标识：%1</translation>
    </message>
    <message>
        <source>Last successful sync: %1</source>
        <translation>上次成功同步：%1</translation>
    </message>
    <message>
        <source>Events written here and not yet pushed: %1 of %2</source>
        <translation>本机写入但尚未推送的事件：%1（共 %2）</translation>
    </message>
    <message>
        <source>DVW</source>
        <translation>DVW</translation>
    </message>
    <message>
        <source>Details: %1</source>
        <translation>详细信息：%1</translation>
    </message>
    <message>
        <source>DICOM folder</source>
        <translation>DICOM 文件夹</translation>
    </message>
    <message>
        <source>Report</source>
        <translation>报告</translation>
    </message>
    <message>
        <source>PDF files (*.pdf)</source>
        <translation>PDF 文件 (*.pdf)</translation>
    </message>
    <message>
        <source>The design on the anatomy (3D view)</source>
        <translation>解剖结构上的设计（三维视图）</translation>
    </message>
    <message>
        <source>Report opened: %1</source>
        <translation>报告已打开：%1</translation>
    </message>
    <message>
        <source>No PDF viewer answered; the report&apos;s folder is open: %1</source>
        <translation>没有可用的 PDF 查看器；已打开报告所在文件夹：%1</translation>
    </message>
    <message>
        <source>No PDF viewer or file manager answered; the report is at %1</source>
        <translation>没有可用的 PDF 查看器或文件管理器；报告位于 %1</translation>
    </message>
    <message>
        <source>A step is running: change the language again when it has finished. The other settings were saved.</source>
        <translation>有步骤正在运行：请在其完成后再更改语言。其他设置已保存。</translation>
    </message>
    <message>
        <source>DVW %1
Software manifest %2</source>
        <translation>DVW %1
软件清单 %2</translation>
    </message>
    <message>
        <source>Design input...</source>
        <translation>设计输入…</translation>
    </message>
    <message>
        <source>The clinician's prescription, consent and deadline</source>
        <translation>临床医生的处方、知情同意与交付期限</translation>
    </message>
    <message>
        <source>Case team...</source>
        <translation>病例团队…</translation>
    </message>
    <message>
        <source>The case's members and their roles</source>
        <translation>本病例的成员及其角色</translation>
    </message>
    <message>
        <source>Design proposal...</source>
        <translation>设计方案…</translation>
    </message>
    <message>
        <source>The proposal the clinician confirms</source>
        <translation>由临床医生确认的设计方案</translation>
    </message>
    <message>
        <source>Design change...</source>
        <translation>设计变更…</translation>
    </message>
    <message>
        <source>A new design with its reason and comparison</source>
        <translation>新设计及其变更原因与比对</translation>
    </message>
</context>
<context>
    <name>ManualDialog</name>
    <message>
        <source>DVW manual</source>
        <extracomment>A tooltip&apos;s trailing keys in parentheses, ASCII or full-width (U+FF08, U+FF09) as Chinese text writes them.</extracomment>
        <translation>DVW 使用手册</translation>
    </message>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>键盘快捷键</translation>
    </message>
</context>
<context>
    <name>ParameterTitles</name>
    <message>
        <source>Slice spacing</source>
        <extracomment>Parameter titles of the measurement registry (validation.registry), marked for translation; a title not listed here is shown as the registry gives it.</extracomment>
        <translation>层间距</translation>
    </message>
    <message>
        <source>Pixel spacing</source>
        <translation>像素间距</translation>
    </message>
    <message>
        <source>Slice thickness</source>
        <translation>层厚</translation>
    </message>
    <message>
        <source>Gantry tilt</source>
        <translation>机架倾角</translation>
    </message>
    <message>
        <source>Tilt corrected</source>
        <translation>已校正倾斜</translation>
    </message>
    <message>
        <source>Field of view</source>
        <translation>视野</translation>
    </message>
    <message>
        <source>Scan length</source>
        <translation>扫描长度</translation>
    </message>
    <message>
        <source>Segmented bone volume</source>
        <translation>分割骨体积</translation>
    </message>
    <message>
        <source>Thinnest bone under the design</source>
        <translation>设计下方最薄骨厚</translation>
    </message>
    <message>
        <source>Mean bone thickness under the design</source>
        <translation>设计下方平均骨厚</translation>
    </message>
    <message>
        <source>Defect span</source>
        <translation>缺损跨度</translation>
    </message>
    <message>
        <source>Defect area</source>
        <translation>缺损面积</translation>
    </message>
    <message>
        <source>Design volume</source>
        <translation>设计体积</translation>
    </message>
    <message>
        <source>Design surface area</source>
        <translation>设计表面积</translation>
    </message>
    <message>
        <source>Design length</source>
        <translation>设计长度</translation>
    </message>
    <message>
        <source>Design width</source>
        <translation>设计宽度</translation>
    </message>
    <message>
        <source>Design height</source>
        <translation>设计高度</translation>
    </message>
    <message>
        <source>Minimum wall thickness</source>
        <translation>最小壁厚</translation>
    </message>
    <message>
        <source>Shells</source>
        <translation>壳体数</translation>
    </message>
    <message>
        <source>Watertight</source>
        <translation>水密</translation>
    </message>
    <message>
        <source>Largest gap</source>
        <translation>最大间隙</translation>
    </message>
    <message>
        <source>Mean gap</source>
        <translation>平均间隙</translation>
    </message>
    <message>
        <source>Largest penetration</source>
        <translation>最大穿透深度</translation>
    </message>
    <message>
        <source>Contact area</source>
        <translation>接触面积</translation>
    </message>
    <message>
        <source>Patient age</source>
        <translation>患者年龄</translation>
    </message>
    <message>
        <source>Patient weight</source>
        <translation>患者体重</translation>
    </message>
    <message>
        <source>Peak von Mises stress</source>
        <translation>最大等效应力</translation>
    </message>
    <message>
        <source>Peak displacement</source>
        <translation>最大位移</translation>
    </message>
    <message>
        <source>Minimum safety factor</source>
        <translation>最小安全系数</translation>
    </message>
</context>
<context>
    <name>ProductionActions</name>
    <message>
        <source>Inspect printed part...</source>
        <translation>检验打印件…</translation>
    </message>
    <message>
        <source>Compare the 3D scan of the printed part with its design and record the final inspection</source>
        <translation>将打印件的三维扫描与设计比对，并记录最终检验</translation>
    </message>
    <message>
        <source>Build record...</source>
        <translation>制造记录…</translation>
    </message>
    <message>
        <source>Record how the case&apos;s device was built, from its build record file</source>
        <translation>根据制造记录文件记录本病例器械的制造过程</translation>
    </message>
    <message>
        <source>Build %1 on %2 recorded for device %3 (event %4; material lots %5).</source>
        <translation>已为器械 %3 记录在 %2 上的制造作业 %1（事件 %4；材料批号 %5）。</translation>
    </message>
    <message>
        <source>Refused:</source>
        <translation>已拒绝：</translation>
    </message>
    <message>
        <source>Recorded: a device has one build record</source>
        <translation>已记录：每件器械只有一份制造记录</translation>
    </message>
    <message>
        <source>Device: %1</source>
        <translation>器械：%1</translation>
    </message>
    <message>
        <source>Recorded inspections...</source>
        <translation>检验记录…</translation>
    </message>
    <message>
        <source>The case's recorded final inspections; open one to see its figures and colour map again</source>
        <translation>本病例已记录的最终检验；打开其中一项可再次查看其数值与色图</translation>
    </message>
</context>
<context>
    <name>Progress</name>
    <message>
        <source>auditing the records</source>
        <extracomment>Progress stages the cores report (``base.progress.report``), word for word.</extracomment>
        <translation>正在审计记录</translation>
    </message>
    <message>
        <source>checked</source>
        <translation>已核查</translation>
    </message>
    <message>
        <source>checking the password</source>
        <translation>正在验证密码</translation>
    </message>
    <message>
        <source>connected components</source>
        <translation>连通分量</translation>
    </message>
    <message>
        <source>done</source>
        <translation>完成</translation>
    </message>
    <message>
        <source>filling holes</source>
        <translation>正在填充孔洞</translation>
    </message>
    <message>
        <source>hashing the software</source>
        <translation>正在计算软件哈希</translation>
    </message>
    <message>
        <source>imported</source>
        <translation>已导入</translation>
    </message>
    <message>
        <source>loading the units</source>
        <translation>正在载入单位</translation>
    </message>
    <message>
        <source>locating the flagged parameters</source>
        <translation>正在定位被标记的参数</translation>
    </message>
    <message>
        <source>making the administrator&apos;s key</source>
        <translation>正在生成管理员密钥</translation>
    </message>
    <message>
        <source>measured</source>
        <translation>已测量</translation>
    </message>
    <message>
        <source>meshed</source>
        <translation>已生成网格</translation>
    </message>
    <message>
        <source>metrics</source>
        <translation>网格指标</translation>
    </message>
    <message>
        <source>preparing the 3D view</source>
        <translation>正在准备三维视图</translation>
    </message>
    <message>
        <source>reading the scan</source>
        <translation>正在读取扫描</translation>
    </message>
    <message>
        <source>finding the bearing surface</source>
        <translation>正在确定骨接触面</translation>
    </message>
    <message>
        <source>sampling the design</source>
        <translation>正在对设计采样</translation>
    </message>
    <message>
        <source>global alignment</source>
        <translation>全局对齐</translation>
    </message>
    <message>
        <source>coarse alignment</source>
        <translation>粗对齐</translation>
    </message>
    <message>
        <source>coarse ICP</source>
        <translation>粗配准 (ICP)</translation>
    </message>
    <message>
        <source>fine ICP</source>
        <translation>精配准 (ICP)</translation>
    </message>
    <message>
        <source>registered</source>
        <translation>已配准</translation>
    </message>
    <message>
        <source>distances to the design</source>
        <translation>正在计算到设计的距离</translation>
    </message>
    <message>
        <source>filtering the deviation map</source>
        <translation>正在滤波偏差图</translation>
    </message>
    <message>
        <source>inspected</source>
        <translation>已检验</translation>
    </message>
    <message>
        <source>colouring the design</source>
        <translation>正在为设计着色</translation>
    </message>
    <message>
        <source>recording the inspection</source>
        <translation>正在记录检验</translation>
    </message>
    <message>
        <source>inspection recorded</source>
        <translation>检验已记录</translation>
    </message>
    <message>
        <source>preparing the pictures</source>
        <translation>正在准备图片</translation>
    </message>
    <message>
        <source>read</source>
        <translation>已读取</translation>
    </message>
    <message>
        <source>reading pixel data</source>
        <translation>正在读取像素数据</translation>
    </message>
    <message>
        <source>reading the design</source>
        <translation>正在读取设计</translation>
    </message>
    <message>
        <source>reading the mask</source>
        <translation>正在读取掩膜</translation>
    </message>
    <message>
        <source>reading the records</source>
        <translation>正在读取记录</translation>
    </message>
    <message>
        <source>reading the volume</source>
        <translation>正在读取体数据</translation>
    </message>
    <message>
        <source>ready</source>
        <translation>就绪</translation>
    </message>
    <message>
        <source>recorded</source>
        <translation>已记录</translation>
    </message>
    <message>
        <source>recording the check</source>
        <translation>正在记录核查</translation>
    </message>
    <message>
        <source>recording the measurement</source>
        <translation>正在记录测量</translation>
    </message>
    <message>
        <source>reduction in two processes</source>
        <translation>双进程简化</translation>
    </message>
    <message>
        <source>reduction</source>
        <translation>简化</translation>
    </message>
    <message>
        <source>reduction: fast result not closed, trying VTK quadric decimation</source>
        <translation>简化：快速结果不封闭，改用 VTK 二次误差简化</translation>
    </message>
    <message>
        <source>reduction: not reduced, every reduction opened the surface</source>
        <translation>简化：未简化，每种简化都会使表面不封闭</translation>
    </message>
    <message>
        <source>reopened</source>
        <translation>已重新打开</translation>
    </message>
    <message>
        <source>report written</source>
        <translation>报告已写入</translation>
    </message>
    <message>
        <source>self-test done</source>
        <translation>自检完成</translation>
    </message>
    <message>
        <source>set up</source>
        <translation>已设置</translation>
    </message>
    <message>
        <source>signed in</source>
        <translation>已登录</translation>
    </message>
    <message>
        <source>signed</source>
        <translation>已签署</translation>
    </message>
    <message>
        <source>signing in</source>
        <translation>正在登录</translation>
    </message>
    <message>
        <source>surface deviation</source>
        <translation>表面偏差</translation>
    </message>
    <message>
        <source>threshold</source>
        <translation>阈值</translation>
    </message>
    <message>
        <source>wall thickness</source>
        <translation>壁厚</translation>
    </message>
    <message>
        <source>writing the mask</source>
        <translation>正在写入掩膜</translation>
    </message>
    <message>
        <source>writing the mesh</source>
        <translation>正在写入网格</translation>
    </message>
    <message>
        <source>writing the report</source>
        <translation>正在写入报告</translation>
    </message>
    <message>
        <source>writing the volume</source>
        <translation>正在写入体数据</translation>
    </message>
    <message>
        <source>isosurface</source>
        <translation>等值面提取</translation>
    </message>
    <message>
        <source>smoothing</source>
        <translation>平滑</translation>
    </message>
    <message>
        <source>triangulating</source>
        <translation>三角化</translation>
    </message>
    <message>
        <source>normals for the 3D view</source>
        <translation>计算三维视图法线</translation>
    </message>
    <message>
        <source>assembling slice %1/%2</source>
        <extracomment>Progress stages with numbers or names in them: the pattern, and the text with %1, %2 for its groups.</extracomment>
        <translation>正在组装第 %1/%2 层</translation>
    </message>
    <message>
        <source>read %1 headers</source>
        <translation>已读取 %1 个文件头</translation>
    </message>
    <message>
        <source>reading headers (%1/%2 files)</source>
        <translation>正在读取文件头（%1/%2 个文件）</translation>
    </message>
    <message>
        <source>loading %1</source>
        <translation>正在载入 %1</translation>
    </message>
    <message>
        <source>reduction: keeping %1 of the triangles to keep the surface closed</source>
        <translation>简化：保留 %1 的三角面以保持表面封闭</translation>
    </message>
    <message>
        <source>trusting site %1, which the server lists</source>
        <translation>正在信任服务器列出的站点 %1</translation>
    </message>
    <message>
        <source>%1 sites trusted</source>
        <translation>已信任 %1 个站点</translation>
    </message>
    <message>
        <source>meshing the design</source>
        <translation>正在划分网格</translation>
    </message>
    <message>
        <source>assembling the stiffness matrix</source>
        <translation>正在组装刚度矩阵</translation>
    </message>
    <message>
        <source>solving</source>
        <translation>正在求解</translation>
    </message>
    <message>
        <source>recovering stresses</source>
        <translation>正在计算节点应力</translation>
    </message>
    <message>
        <source>solved</source>
        <translation>已求解</translation>
    </message>
    <message>
        <source>analysis done</source>
        <translation>分析完成</translation>
    </message>
    <message>
        <source>%1 (finite-element analysis, coarse mesh, %2 mm)</source>
        <translation>%1（有限元分析，粗网格，%2 mm）</translation>
    </message>
    <message>
        <source>%1 (finite-element analysis, default mesh, %2 mm)</source>
        <translation>%1（有限元分析，默认网格，%2 mm）</translation>
    </message>
    <message>
        <source>reading the build record</source>
        <translation>正在读取制造记录</translation>
    </message>
    <message>
        <source>build recorded</source>
        <translation>制造记录已保存</translation>
    </message>
</context>
<context>
    <name>ProgressPanel</name>
    <message>
        <source>Cancel</source>
        <extracomment>Shortest interval between two repaints of a progress panel (ms). While the window holds the 3D view (an OpenGL widget), every repaint of any widget recomposes the whole window through OpenGL: 18 ms a time with software OpenGL, idle, for a 1500 x 950 window (1 ms without the 3D view). The workers may signal 20 times a second.</extracomment>
        <translation>取消</translation>
    </message>
    <message>
        <source>Stop the running step; nothing is written</source>
        <translation>停止正在运行的步骤；不会写入任何内容</translation>
    </message>
</context>
<context>
    <name>ReverificationDialog</name>
    <message>
        <source>Record re-verification</source>
        <translation>记录再验证</translation>
    </message>
    <message>
        <source>Case %1, revision %2: %3. Only an engineer or a quality user may record a re-verification.</source>
        <translation>病例 %1，修订版 %2：%3。只有工程师或质量人员可以记录再验证。</translation>
    </message>
    <message>
        <source>The engineer or quality user recording the re-verification</source>
        <translation>记录再验证的工程师或质量人员</translation>
    </message>
    <message>
        <source>The user&apos;s password, re-entered for this record</source>
        <translation>用户密码，为本次记录重新输入</translation>
    </message>
    <message>
        <source>How the design was re-verified, e.g. &quot;FEA of the 2.5 mm wall&quot;</source>
        <translation>设计的再验证方法，例如“2.5 mm 壁厚的 FEA 分析”</translation>
    </message>
    <message>
        <source>pass</source>
        <translation>通过</translation>
    </message>
    <message>
        <source>fail</source>
        <translation>未通过</translation>
    </message>
    <message>
        <source>The re-verification&apos;s result</source>
        <translation>再验证结果</translation>
    </message>
    <message>
        <source>Why the result holds for this patient</source>
        <translation>该结果对本患者成立的理由</translation>
    </message>
    <message>
        <source>Evidence files; each is stored and named by its SHA-256</source>
        <translation>证据文件；每个文件均被存储并以其 SHA-256 标识</translation>
    </message>
    <message>
        <source>Add evidence...</source>
        <translation>添加证据…</translation>
    </message>
    <message>
        <source>Attach a report or image as evidence</source>
        <translation>附加报告或图像作为证据</translation>
    </message>
    <message>
        <source>User:</source>
        <translation>用户：</translation>
    </message>
    <message>
        <source>Password:</source>
        <translation>密码：</translation>
    </message>
    <message>
        <source>Method:</source>
        <translation>方法：</translation>
    </message>
    <message>
        <source>Result:</source>
        <translation>结果：</translation>
    </message>
    <message>
        <source>Justification:</source>
        <translation>理由：</translation>
    </message>
    <message>
        <source>Evidence:</source>
        <translation>证据：</translation>
    </message>
    <message>
        <source>Record</source>
        <translation>记录</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Record the re-verification in the case&apos;s log</source>
        <translation>将再验证记入病例日志</translation>
    </message>
    <message>
        <source>Close without recording anything</source>
        <translation>关闭且不记录任何内容</translation>
    </message>
    <message>
        <source>Evidence files</source>
        <translation>证据文件</translation>
    </message>
</context>
<context>
    <name>ReviewPanel</name>
    <message>
        <source>Review mode</source>
        <translation>评审模式</translation>
    </message>
    <message>
        <source>Large fonts for the joint review session (F11)</source>
        <translation>联合评审会议使用大字体 (F11)</translation>
    </message>
    <message>
        <source>Record re-verification...</source>
        <translation>记录再验证…</translation>
    </message>
    <message>
        <source>Record how an out-of-envelope design was re-verified</source>
        <translation>记录超出设计包络的设计如何进行了再验证</translation>
    </message>
    <message>
        <source>Sign...</source>
        <translation>签署…</translation>
    </message>
    <message>
        <source>Sign the case&apos;s current check with your password (Ctrl+Shift+S)</source>
        <translation>输入密码签署病例当前的核查 (Ctrl+Shift+S)</translation>
    </message>
    <message>
        <source>Run self-test</source>
        <translation>运行自检</translation>
    </message>
    <message>
        <source>Run the built-in validation suite and record its result as you; signing needs it passed</source>
        <translation>运行内置验证套件，并以您的名义记录结果；签署前必须通过</translation>
    </message>
    <message>
        <source>Export report...</source>
        <translation>导出报告…</translation>
    </message>
    <message>
        <source>Write the case&apos;s PDF report (Ctrl+E)</source>
        <translation>生成病例的 PDF 报告 (Ctrl+E)</translation>
    </message>
    <message>
        <source>#</source>
        <translation>序号</translation>
    </message>
    <message>
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <source>Event</source>
        <translation>事件</translation>
    </message>
    <message>
        <source>By</source>
        <translation>操作人</translation>
    </message>
    <message>
        <source>The case&apos;s events from the append-only log</source>
        <translation>来自只追加日志的病例事件</translation>
    </message>
    <message>
        <source>Audit trail:</source>
        <translation>审计追踪：</translation>
    </message>
    <message>
        <source>Case %1, revision %2: %3</source>
        <translation>病例 %1，修订版 %2：%3</translation>
    </message>
    <message>
        <source>Re-verification: none recorded.</source>
        <translation>再验证：尚无记录。</translation>
    </message>
    <message>
        <source>Re-verification: %1 (%2) by %3: %4</source>
        <translation>再验证：%1（%2），记录人 %3：%4</translation>
    </message>
    <message>
        <source>superseded</source>
        <translation>已失效</translation>
    </message>
    <message>
        <source>valid</source>
        <translation>有效</translation>
    </message>
    <message>
        <source>%1 (%2): %3, %4 [%5]</source>
        <translation>%1（%2）：%3，%4 [%5]</translation>
    </message>
    <message>
        <source>Signatures: %1</source>
        <translation>签名：%1</translation>
    </message>
    <message>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <source>Self-test passed.</source>
        <translation>自检已通过。</translation>
    </message>
    <message>
        <source>Self-test FAILED.</source>
        <translation>自检未通过。</translation>
    </message>
    <message>
        <source>Recorded.</source>
        <translation>已记录。</translation>
    </message>
    <message>
        <source>Report written: %1</source>
        <translation>报告已生成：%1</translation>
    </message>
</context>
<context>
    <name>SceneView</name>
    <message>
        <source>Loading the 3D view...</source>
        <extracomment>Colours (RGB 0..1) as in the report pictures (geometry.render): bone and the device; flagged places in red. How long the view&apos;s size must stay the same before it renders at the new size (ms). Room around the anatomy framed alone: the camera stands this much farther than where it would just fit. The smallest view (pixels high) whose frame the report&apos;s picture takes as it is; a smaller one is rendered at the picture&apos;s size (800 x 600).</extracomment>
        <translation>正在加载三维视图…</translation>
    </message>
    <message>
        <source>3D view in patient coordinates (LPS, mm): drag to rotate, scroll to zoom. Surfaces of more than 60,000 triangles are drawn reduced; every measurement uses the full mesh.</source>
        <translation>患者坐标系（LPS，mm）中的三维视图：拖动以旋转，滚动以缩放。超过 60,000 个三角形的曲面以简化后的副本显示；所有测量均使用完整网格。</translation>
    </message>
</context>
<context>
    <name>SegmentPanel</name>
    <message>
        <source>Bone</source>
        <extracomment>Masks up to this many voxels get a paint or erase ball at once on the GUI thread (about 5 ms on the 256 x 256 x 120 sample, 60 ms on 512 x 512 x 300: it grows with the mask, a copy and a compare); larger ones in the background.</extracomment>
        <translation>骨</translation>
    </message>
    <message>
        <source>Skin</source>
        <translation>皮肤</translation>
    </message>
    <message>
        <source>Teeth</source>
        <translation>牙齿</translation>
    </message>
    <message>
        <source>open</source>
        <translation>无上限</translation>
    </message>
    <message>
        <source>Threshold presets (HU); see the documentation for their sources</source>
        <translation>阈值预设 (HU)；其来源见文档</translation>
    </message>
    <message>
        <source>Lower threshold (inclusive), HU</source>
        <translation>下阈值（含），HU</translation>
    </message>
    <message>
        <source>Upper threshold (inclusive), HU</source>
        <translation>上阈值（含），HU</translation>
    </message>
    <message>
        <source>No upper limit</source>
        <translation>无上限</translation>
    </message>
    <message>
        <source>Keep every value above the lower threshold</source>
        <translation>保留高于下阈值的所有数值</translation>
    </message>
    <message>
        <source>Keep largest parts:</source>
        <translation>保留最大连通部分：</translation>
    </message>
    <message>
        <source>Keep only the largest connected parts (drops the table, noise, loose bits)</source>
        <translation>仅保留最大的连通部分（去除检查床、噪声和游离碎片）</translation>
    </message>
    <message>
        <source>How many of the largest parts to keep</source>
        <translation>要保留的最大部分的数量</translation>
    </message>
    <message>
        <source>Fill holes</source>
        <translation>填充孔洞</translation>
    </message>
    <message>
        <source>Fill cavities not connected to the outside</source>
        <translation>填充与外部不连通的空腔</translation>
    </message>
    <message>
        <source>Live preview on the slices</source>
        <translation>在切片上实时预览</translation>
    </message>
    <message>
        <source>Show the voxels inside the threshold on the slices as you change it</source>
        <translation>调整阈值时在切片上显示阈值范围内的体素</translation>
    </message>
    <message>
        <source>Segment</source>
        <translation>分割</translation>
    </message>
    <message>
        <source>Make the mask from the threshold (Ctrl+S)</source>
        <translation>按阈值生成掩膜 (Ctrl+S)</translation>
    </message>
    <message>
        <source>Preset:</source>
        <translation>预设：</translation>
    </message>
    <message>
        <source>Lower:</source>
        <translation>下限：</translation>
    </message>
    <message>
        <source>Upper:</source>
        <translation>上限：</translation>
    </message>
    <message>
        <source>Threshold</source>
        <translation>阈值</translation>
    </message>
    <message>
        <source>Paint</source>
        <translation>绘制</translation>
    </message>
    <message>
        <source>Click on a slice to add a ball to the mask (P)</source>
        <translation>在切片上单击，向掩膜添加球形区域 (P)</translation>
    </message>
    <message>
        <source>Erase</source>
        <translation>擦除</translation>
    </message>
    <message>
        <source>Click on a slice to remove a ball from the mask (E)</source>
        <translation>在切片上单击，从掩膜移除球形区域 (E)</translation>
    </message>
    <message>
        <source>Scissors</source>
        <translation>剪刀</translation>
    </message>
    <message>
        <source>Draw a closed outline on a slice (click the corners, or press and drag a lasso; double-click or Enter closes it, Esc cancels): the cut goes through the whole volume along the view (S)</source>
        <translation>在切片上画一个闭合轮廓（逐个点击角点，或按住拖动画套索；双击或按回车键闭合，按 Esc 取消）：沿视线方向切穿整个体积 (S)</translation>
    </message>
    <message>
        <source>Keep inside</source>
        <translation>保留内部</translation>
    </message>
    <message>
        <source>Scissors keep what is inside the outline and remove the rest; unchecked, they remove the inside (K)</source>
        <translation>剪刀保留轮廓内部并移除其余部分；不勾选时移除轮廓内部 (K)</translation>
    </message>
    <message>
        <source>Crop to box</source>
        <translation>裁剪到方框</translation>
    </message>
    <message>
        <source>Set a box (drag a rectangle on a slice for its two in-plane sides, type the rest) and clear everything outside it (C)</source>
        <translation>设定一个方框（在切片上拖出矩形确定切片平面内的两对边，其余边手动输入），并清除方框外的一切 (C)</translation>
    </message>
    <message>
        <source>Radius of the paint or erase ball, mm</source>
        <translation>绘制或擦除球的半径，mm</translation>
    </message>
    <message>
        <source>x (R to L):</source>
        <translation>x（右→左）：</translation>
    </message>
    <message>
        <source>y (A to P):</source>
        <translation>y（前→后）：</translation>
    </message>
    <message>
        <source>z (I to S):</source>
        <translation>z（下→上）：</translation>
    </message>
    <message>
        <source>Lower side of the crop box along this patient axis (LPS), mm</source>
        <translation>裁剪方框沿此患者坐标轴（LPS）的下边界，mm</translation>
    </message>
    <message>
        <source>Upper side of the crop box along this patient axis (LPS), mm</source>
        <translation>裁剪方框沿此患者坐标轴（LPS）的上边界，mm</translation>
    </message>
    <message>
        <source>Apply crop</source>
        <translation>应用裁剪</translation>
    </message>
    <message>
        <source>Clear every mask voxel outside the box (Shift+C)</source>
        <translation>清除方框外的所有掩膜体素 (Shift+C)</translation>
    </message>
    <message>
        <source>Remove islands</source>
        <translation>移除孤岛</translation>
    </message>
    <message>
        <source>Clear every separate part of the mask smaller than the minimum volume (I)</source>
        <translation>清除掩膜中体积小于最小体积的每个独立部分 (I)</translation>
    </message>
    <message>
        <source>Fill between slices</source>
        <translation>层间填充</translation>
    </message>
    <message>
        <source>Fill the empty axial slices between slices where the mask was drawn, interpolating the shapes (F)</source>
        <translation>在已绘制掩膜的轴位切片之间，插值填充空白切片（F）</translation>
    </message>
    <message>
        <source>Smallest part kept by Remove islands, mm³</source>
        <translation>移除孤岛时保留部分的最小体积，mm³</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>撤销</translation>
    </message>
    <message>
        <source>Undo the last mask edit (Ctrl+Z)</source>
        <translation>撤销上一次掩膜编辑 (Ctrl+Z)</translation>
    </message>
    <message>
        <source>Redo</source>
        <translation>重做</translation>
    </message>
    <message>
        <source>Redo the edit undone last (Ctrl+Shift+Z)</source>
        <translation>重做上一次撤销的编辑 (Ctrl+Shift+Z)</translation>
    </message>
    <message>
        <source>Edit the mask</source>
        <translation>编辑掩膜</translation>
    </message>
    <message>
        <source>Generate mesh</source>
        <translation>生成网格</translation>
    </message>
    <message>
        <source>Mesh the mask: smoothed, reduced, in patient coordinates (Ctrl+M)</source>
        <translation>由掩膜生成网格：经平滑与简化，位于患者坐标系 (Ctrl+M)</translation>
    </message>
    <message>
        <source>Editing the mask...</source>
        <translation>正在编辑掩膜…</translation>
    </message>
    <message>
        <source>Mask: %1 voxels, %2 cm³, %3 of %4 parts kept</source>
        <translation>掩膜：%1 体素，%2 cm³，保留 %4 个部分中的 %3 个</translation>
    </message>
    <message>
        <source>Mask: %1 voxels, %2 cm³</source>
        <translation>掩膜：%1 体素，%2 cm³</translation>
    </message>
    <message>
        <source>Click the corners of an outline on a slice, or press and drag a lasso; double-click or press Enter to cut, Esc to cancel.</source>
        <translation>在切片上逐个点击轮廓的角点，或按住拖动画套索；双击或按回车键切割，按 Esc 取消。</translation>
    </message>
    <message>
        <source>Drag a rectangle on a slice to set two sides of the box, then Apply crop.</source>
        <translation>在切片上拖出矩形以设定方框的两对边，然后点击“应用裁剪”。</translation>
    </message>
    <message>
        <source>%1 changed nothing.</source>
        <translation>%1 未改变掩膜。</translation>
    </message>
    <message>
        <source>Mesh: %1 triangles, %2 vertices; volume %3 cm³, area %4 cm²; watertight: %5, manifold: %6; deviation from the isosurface: mean %7 mm, max %8 mm</source>
        <translation>网格：%1 个三角面，%2 个顶点；体积 %3 cm³，面积 %4 cm²；水密：%5，流形：%6；与等值面的偏差：平均 %7 mm，最大 %8 mm</translation>
    </message>
    <message>
        <source> %1 shell(s) too small or thin to smooth kept as the isosurface has them.</source>
        <translation> %1 个过小或过薄、无法平滑的壳体保持等值面原样。</translation>
    </message>
    <message>
        <source>Click or drag on a slice to paint with the brush (one undo step per stroke).</source>
        <translation>在切片上单击或拖动，用画笔绘制（每一笔可单独撤销）。</translation>
    </message>
    <message>
        <source>Click or drag on a slice to erase with the brush (one undo step per stroke).</source>
        <translation>在切片上单击或拖动，用画笔擦除（每一笔可单独撤销）。</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>是</translation>
    </message>
    <message>
        <source>no</source>
        <translation>否</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Folder of the local store: records, artifacts, users and self-test results</source>
        <translation>本地存储库文件夹：记录、工件、用户及自检结果</translation>
    </message>
    <message>
        <source>Browse...</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <source>Choose the store folder</source>
        <translation>选择存储库文件夹</translation>
    </message>
    <message>
        <source>The language of the window; it applies at once</source>
        <translation>窗口的语言；立即生效</translation>
    </message>
    <message>
        <source> min</source>
        <translation> 分钟</translation>
    </message>
    <message>
        <source>Without use for this long the window locks and asks the signed-in user&apos;s password again</source>
        <translation>无操作达到此时长后，窗口将锁定，并要求已登录用户重新输入密码</translation>
    </message>
    <message>
        <source>Lock after:</source>
        <translation>自动锁定：</translation>
    </message>
    <message>
        <source>A new language applies at once; not while a step is running.</source>
        <translation>新语言立即生效；步骤运行期间除外。</translation>
    </message>
    <message>
        <source>The company&apos;s sync server (empty: this workstation works alone)</source>
        <translation>公司的同步服务器（留空：本工作站独立工作）</translation>
    </message>
    <message>
        <source>Store folder:</source>
        <translation>存储库文件夹：</translation>
    </message>
    <message>
        <source>Language:</source>
        <translation>语言：</translation>
    </message>
    <message>
        <source>Sync server:</source>
        <translation>同步服务器：</translation>
    </message>
    <message>
        <source>Store folder</source>
        <translation>存储库文件夹</translation>
    </message>
</context>
<context>
    <name>SetupDialog</name>
    <message>
        <source>Set up this workstation</source>
        <translation>设置本工作站</translation>
    </message>
    <message>
        <source>This store has no users yet. Set up its first user, the administrator: the administrator adds the other users and signs in here like anyone else. Every record names who made it.</source>
        <translation>此存储库尚无用户。请设置其第一位用户，即管理员：管理员负责添加其他用户，并与其他人一样在此登录。每条记录都会注明其操作人。</translation>
    </message>
    <message>
        <source>Store: %1</source>
        <translation>存储库：%1</translation>
    </message>
    <message>
        <source>2 to 32 lower-case letters, digits, dots, dashes or underscores</source>
        <translation>2 至 32 个小写字母、数字、点、连字符或下划线</translation>
    </message>
    <message>
        <source>The name printed with the administrator&apos;s records and signatures</source>
        <translation>打印在管理员的记录和签名上的姓名</translation>
    </message>
    <message>
        <source>optional</source>
        <translation>可选</translation>
    </message>
    <message>
        <source>A title or qualification printed with the signatures</source>
        <translation>打印在签名上的职称或资质</translation>
    </message>
    <message>
        <source>At least %1 characters; it protects the administrator&apos;s signing key</source>
        <translation>至少 %1 个字符；用于保护管理员的签名密钥</translation>
    </message>
    <message>
        <source>The same password again</source>
        <translation>再次输入相同的密码</translation>
    </message>
    <message>
        <source>User id:</source>
        <translation>用户名：</translation>
    </message>
    <message>
        <source>Printed name:</source>
        <translation>打印姓名：</translation>
    </message>
    <message>
        <source>Qualification:</source>
        <translation>资质：</translation>
    </message>
    <message>
        <source>Password:</source>
        <translation>密码：</translation>
    </message>
    <message>
        <source>Repeat password:</source>
        <translation>确认密码：</translation>
    </message>
    <message>
        <source>Set up</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Make the administrator, with a signing key sealed by the password</source>
        <translation>创建管理员及其由密码保护的签名密钥</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Close; nothing can be recorded until the workstation is set up</source>
        <translation>关闭；在本工作站完成设置之前无法记录任何内容</translation>
    </message>
    <message>
        <source>The user id must be 2 to 32 lower-case letters, digits, dots, dashes or underscores.</source>
        <translation>用户名必须由 2 至 32 个小写字母、数字、点、连字符或下划线组成。</translation>
    </message>
    <message>
        <source>Enter the administrator&apos;s printed name.</source>
        <translation>请输入管理员的打印姓名。</translation>
    </message>
    <message>
        <source>The password must have at least %1 characters.</source>
        <translation>密码至少需要 %1 个字符。</translation>
    </message>
    <message>
        <source>The two passwords differ.</source>
        <translation>两次输入的密码不一致。</translation>
    </message>
    <message>
        <source>Setting up...</source>
        <translation>正在设置…</translation>
    </message>
    <message>
        <source>Could not set up: %1</source>
        <translation>无法完成设置：%1</translation>
    </message>
</context>
<context>
    <name>SignDialog</name>
    <message>
        <source>Sign case %1</source>
        <translation>签署病例 %1</translation>
    </message>
    <message>
        <source>Before signing, every item must be met:</source>
        <translation>签署前，以下各项均须满足：</translation>
    </message>
    <message>
        <source>You are signing the following, exactly as shown:</source>
        <translation>您将签署以下内容，与所示完全一致：</translation>
    </message>
    <message>
        <source>The signature covers these values and the hashes of every input</source>
        <translation>签名涵盖这些数值及每个输入的哈希值</translation>
    </message>
    <message>
        <source>design verification</source>
        <translation>设计验证</translation>
    </message>
    <message>
        <source>clinical design confirmation</source>
        <translation>临床设计确认</translation>
    </message>
    <message>
        <source>re-verification approved</source>
        <translation>再验证批准</translation>
    </message>
    <message>
        <source>release</source>
        <translation>放行</translation>
    </message>
    <message>
        <source>What your signature means; each meaning may be signed by some roles</source>
        <translation>签名的含义；每种含义仅限特定角色签署</translation>
    </message>
    <message>
        <source>The signer</source>
        <translation>签署人</translation>
    </message>
    <message>
        <source>Your password: it unlocks your signing key</source>
        <translation>您的密码：用于解锁您的签名密钥</translation>
    </message>
    <message>
        <source>Meaning:</source>
        <translation>签名含义：</translation>
    </message>
    <message>
        <source>Signer:</source>
        <translation>签署人：</translation>
    </message>
    <message>
        <source>Password:</source>
        <translation>密码：</translation>
    </message>
    <message>
        <source>Sign</source>
        <translation>签署</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Sign with your key; the signature is recorded in the case&apos;s log</source>
        <translation>用您的密钥签署；签名将记入病例日志</translation>
    </message>
    <message>
        <source>Close without signing</source>
        <translation>关闭且不签署</translation>
    </message>
    <message>
        <source>Case: %1, revision %2</source>
        <translation>病例：%1，修订版 %2</translation>
    </message>
    <message>
        <source>State: %1</source>
        <translation>状态：%1</translation>
    </message>
    <message>
        <source>Verdict: %1</source>
        <translation>结论：%1</translation>
    </message>
    <message>
        <source>Envelope: %1 %2, SHA-256 %3</source>
        <translation>设计包络：%1 %2，SHA-256 %3</translation>
    </message>
    <message>
        <source>Parameters SHA-256: %1</source>
        <translation>参数 SHA-256：%1</translation>
    </message>
    <message>
        <source>Software manifest: %1</source>
        <translation>软件清单：%1</translation>
    </message>
    <message>
        <source>Check event: %1 (hash %2)</source>
        <translation>核查事件：%1（哈希 %2）</translation>
    </message>
    <message>
        <source>Re-verification: %1 by %2 (%3)</source>
        <translation>再验证：%1，方法 %2（%3）</translation>
    </message>
    <message>
        <source>Inputs (SHA-256):</source>
        <translation>输入 (SHA-256)：</translation>
    </message>
    <message>
        <source>Parameters:</source>
        <translation>参数：</translation>
    </message>
    <message>
        <source>Design proposal...</source>
        <translation>设计方案…</translation>
    </message>
    <message>
        <source>Show the design proposal a clinical design confirmation signs</source>
        <translation>查看临床设计确认所签署的设计方案</translation>
    </message>
    <message>
        <source>Design proposal: SHA-256 %1</source>
        <translation>设计方案：SHA-256 %1</translation>
    </message>
</context>
<context>
    <name>SignInDialog</name>
    <message>
        <source>Sign in to DVW</source>
        <extracomment>The colour of a refusal&apos;s text (the text always says it too). Shortest password a new user may have (records.users.MIN_PASSWORD_LENGTH, which loads after the window opens).</extracomment>
        <translation>登录 DVW</translation>
    </message>
    <message>
        <source>Sign in to work with the cases and records of this workstation.</source>
        <translation>登录后即可处理本工作站的病例和记录。</translation>
    </message>
    <message>
        <source>Store: %1</source>
        <translation>存储库：%1</translation>
    </message>
    <message>
        <source>your user id</source>
        <translation>您的用户名</translation>
    </message>
    <message>
        <source>Your user id on this workstation (an administrator gave it to you)</source>
        <translation>您在本工作站上的用户名（由管理员分配）</translation>
    </message>
    <message>
        <source>Your password; repeated wrong passwords lock the account for a while</source>
        <translation>您的密码；多次输错将使账户被锁定一段时间</translation>
    </message>
    <message>
        <source>User:</source>
        <translation>用户：</translation>
    </message>
    <message>
        <source>Password:</source>
        <translation>密码：</translation>
    </message>
    <message>
        <source>Sign in</source>
        <translation>登录</translation>
    </message>
    <message>
        <source>Check the password and sign in (Enter)</source>
        <translation>核对密码并登录（回车键）</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Close; nothing can be recorded until someone signs in</source>
        <translation>关闭；在有用户登录之前无法记录任何内容</translation>
    </message>
    <message>
        <source>Enter your user id and your password.</source>
        <translation>请输入您的用户名和密码。</translation>
    </message>
    <message>
        <source>Signing in...</source>
        <translation>正在登录…</translation>
    </message>
    <message>
        <source>Could not sign in: %1</source>
        <translation>无法登录：%1</translation>
    </message>
</context>
<context>
    <name>SignoffChecklistView</name>
    <message>
        <source>A current check made by this software</source>
        <translation>由本软件完成的当前核查</translation>
    </message>
    <message>
        <source>Self-test passed on this software</source>
        <translation>本软件已通过自检</translation>
    </message>
    <message>
        <source>Re-verification recorded when needed</source>
        <translation>需要时已记录再验证</translation>
    </message>
    <message>
        <source>The signer&apos;s role may sign this meaning</source>
        <translation>签署人的角色可签署此含义</translation>
    </message>
    <message>
        <source>No unresolved conflict between sites</source>
        <translation>站点之间没有未解决的冲突</translation>
    </message>
    <message>
        <source>No check has been run: run it in step 4, Design &amp; Check.</source>
        <translation>尚未运行核查：请在第 4 步“设计与核查”中运行。</translation>
    </message>
    <message>
        <source>The inputs or the design changed since the last check (revision %1): run the check again.</source>
        <translation>自上次核查以来输入或设计已变更（修订版 %1）：请重新运行核查。</translation>
    </message>
    <message>
        <source>The check was made by other software (%1...): run the check again with this installation.</source>
        <translation>该核查由其他软件完成（%1…）：请用本安装重新运行核查。</translation>
    </message>
    <message>
        <source>Checked: %1.</source>
        <translation>已核查：%1。</translation>
    </message>
    <message>
        <source>A passed self-test of this software is recorded on this workstation.</source>
        <translation>本工作站已记录本软件通过的自检。</translation>
    </message>
    <message>
        <source>No passed self-test of this software (%1...) is recorded on this workstation: run the self-test.</source>
        <translation>本工作站没有本软件（%1…）通过自检的记录：请运行自检。</translation>
    </message>
    <message>
        <source>Not needed: the check is within the envelope.</source>
        <translation>无需：核查结果在设计包络内。</translation>
    </message>
    <message>
        <source>The check is %1: record its re-verification.</source>
        <translation>核查结果为%1：请记录其再验证。</translation>
    </message>
    <message>
        <source>The re-verification failed: change the design and run the check again.</source>
        <translation>再验证未通过：请修改设计并重新运行核查。</translation>
    </message>
    <message>
        <source>A passed re-verification is recorded.</source>
        <translation>已记录通过的再验证。</translation>
    </message>
    <message>
        <source>Nobody who may sign this meaning is chosen (roles: %1): choose the meaning or signer.</source>
        <translation>未选择可签署此含义的人（角色：%1）：请选择签名含义或签署人。</translation>
    </message>
    <message>
        <source>This signer&apos;s role may not sign this meaning (roles: %1): choose another signer.</source>
        <translation>该签署人的角色不能签署此含义（角色：%1）：请选择其他签署人。</translation>
    </message>
    <message>
        <source>The signer&apos;s role may sign this meaning.</source>
        <translation>签署人的角色可签署此含义。</translation>
    </message>
    <message>
        <source>No concurrent changes from other sites.</source>
        <translation>没有来自其他站点的并发修改。</translation>
    </message>
    <message>
        <source>Every team member acknowledged the design change</source>
        <translation>每位团队成员均已确认设计变更</translation>
    </message>
    <message>
        <source>The design proposal is complete</source>
        <translation>设计方案完整</translation>
    </message>
    <message>
        <source>No acknowledgement of a design change is outstanding.</source>
        <translation>没有待确认的设计变更。</translation>
    </message>
    <message>
        <source>The design change is not yet acknowledged by %1: each of them acknowledges it first.</source>
        <translation>设计变更尚未得到 %1 的确认：需先由他们逐一确认。</translation>
    </message>
    <message>
        <source>Not needed for this signature.</source>
        <translation>此签名无需此项。</translation>
    </message>
    <message>
        <source>The design proposal is complete.</source>
        <translation>设计方案完整。</translation>
    </message>
    <message>
        <source>The design proposal lacks: %1. Complete the design input and issue the proposal.</source>
        <translation>设计方案缺少：%1。请补全设计输入并出具设计方案。</translation>
    </message>
    <message>
        <source>Sites %1 changed the case concurrently while offline: a person must choose which revision to keep before anyone signs.</source>
        <translation>站点 %1 在离线时同时修改了该病例：须先由专人决定保留哪个修订版，才能签署。</translation>
    </message>
    <message>
        <source>Go to Design &amp; Check</source>
        <translation>转到“设计与核查”</translation>
    </message>
    <message>
        <source>Run self-test</source>
        <translation>运行自检</translation>
    </message>
    <message>
        <source>Record re-verification...</source>
        <translation>记录再验证…</translation>
    </message>
    <message>
        <source>Choose signer</source>
        <translation>选择签署人</translation>
    </message>
    <message>
        <source>Reading the records...</source>
        <translation>正在读取记录…</translation>
    </message>
    <message>
        <source>✔ met</source>
        <translation>✔ 已满足</translation>
    </message>
    <message>
        <source>✘ not met</source>
        <translation>✘ 未满足</translation>
    </message>
</context>
<context>
    <name>SliceView</name>
    <message>
        <source>Click to move the crosshair; scroll to step through the slices; Ctrl+scroll to zoom (Home fits); drag with the middle button or Shift+left to pan; drag with the right button for window (left, right) and level (up, down)</source>
        <extracomment>Points a measuring drawing takes (the angle&apos;s vertex is the second). The measuring tools&apos; drawings, by the measurement they make (workflow.measurements.KINDS). The outlines of the meshes on the slices: the anatomy white, the design magenta (apart from mask, cross, shapes). Screen distance (px) under which a click repeats the last vertex, and a lasso drag adds no new one. A press-drag longer than this (px) is a lasso, closed on release; shorter ones are clicks. The labels&apos; distance from the view&apos;s edges (px).</extracomment>
        <translation>单击移动十字线；滚动滚轮逐层浏览；Ctrl+滚轮缩放（Home 键恢复全图）；按住中键或 Shift+左键拖动以平移；按住右键拖动调节窗宽（左右）和窗位（上下）</translation>
    </message>
    <message>
        <source>Axial</source>
        <translation>轴位</translation>
    </message>
    <message>
        <source>Coronal</source>
        <translation>冠状位</translation>
    </message>
    <message>
        <source>Sagittal</source>
        <translation>矢状位</translation>
    </message>
    <message>
        <source>W %1  L %2</source>
        <translation>窗宽 %1  窗位 %2</translation>
    </message>
</context>
<context>
    <name>SliceViewsPanel</name>
    <message>
        <source>Bone</source>
        <extracomment>A measurement placed: its kind (``distance``, ``angle``), the plane, the slice index and the points, an ``(n, 3)`` array of LPS mm. A measuring tool was chosen: the editing tools give way (the Segment step unchecks its buttons). A brush stroke on a view: the plane and the points the brush went through, ``(n, 3)`` LPS mm at the slice. How each tool uses the views: clicks (reported by ``picked``) or a shape drawn on them.</extracomment>
        <translation>骨</translation>
    </message>
    <message>
        <source>Bone window: W 1800, L 400 HU</source>
        <translation>骨窗：窗宽 1800，窗位 400 HU</translation>
    </message>
    <message>
        <source>Soft tissue</source>
        <translation>软组织</translation>
    </message>
    <message>
        <source>Soft-tissue window: W 400, L 40 HU</source>
        <translation>软组织窗：窗宽 400，窗位 40 HU</translation>
    </message>
    <message>
        <source>Brain</source>
        <translation>脑</translation>
    </message>
    <message>
        <source>Brain window: W 80, L 40 HU</source>
        <translation>脑窗：窗宽 80，窗位 40 HU</translation>
    </message>
    <message>
        <source>Window:</source>
        <translation>窗：</translation>
    </message>
    <message>
        <source>Ruler</source>
        <translation>测距</translation>
    </message>
    <message>
        <source>Measure a distance: click two points on a slice</source>
        <translation>测量距离：在切片上单击两个点</translation>
    </message>
    <message>
        <source>Angle</source>
        <translation>角度</translation>
    </message>
    <message>
        <source>Measure an angle: click three points, the vertex second</source>
        <translation>测量角度：单击三个点，第二个点为顶点</translation>
    </message>
    <message>
        <source>Outlines</source>
        <translation>轮廓</translation>
    </message>
    <message>
        <source>Show where the anatomy (white) and the design (magenta) cross each slice (O)</source>
        <translation>在每个切片上显示解剖结构（白色）和设计（品红色）的截面轮廓（O）</translation>
    </message>
    <message>
        <source>The value under the cursor (HU for CT) and its voxel</source>
        <translation>光标下的值（CT 为 HU）及其体素</translation>
    </message>
    <message>
        <source>%1 HU at %2</source>
        <translation>%1 HU，体素 %2</translation>
    </message>
    <message>
        <source>Value %1 at %2</source>
        <translation>数值 %1，体素 %2</translation>
    </message>
    <message>
        <source>voxel %1  LPS (%2, %3, %4) mm</source>
        <translation>体素 %1  LPS (%2, %3, %4) mm</translation>
    </message>
</context>
<context>
    <name>Words</name>
    <message>
        <source>The case cannot be signed in its present state.</source>
        <translation>病例当前状态下不能签署。</translation>
    </message>
    <message>
        <source>Someone else recorded this approval a moment ago; nothing was written. Look at the case again.</source>
        <translation>刚才已有他人记录了此项批准，本次未写入任何内容。请重新查看病例。</translation>
    </message>
    <message>
        <source>The re-verification cannot be recorded: the case does not need one, or an entry is missing.</source>
        <translation>无法记录再验证：该病例不需要再验证，或有必填项未填写。</translation>
    </message>
    <message>
        <source>The case lacks its design input or the patient&apos;s informed consent: record them first (Case menu).</source>
        <translation>病例缺少设计输入或患者知情同意：请先在“病例”菜单中记录。</translation>
    </message>
    <message>
        <source>The design proposal is not complete: the sign-off checklist lists what is missing.</source>
        <translation>设计方案不完整：签署前核对清单列出了缺少的内容。</translation>
    </message>
    <message>
        <source>The design proposal cannot be made: the case needs a current check, its design input and its files.</source>
        <translation>无法生成设计方案：病例需要当前有效的检查、设计输入及其文件。</translation>
    </message>
    <message>
        <source>Only the members of this case&apos;s team may do this: a member can add you to the team.</source>
        <translation>只有该病例团队的成员才能执行此操作：请团队成员将您加入团队。</translation>
    </message>
    <message>
        <source>This change of the case&apos;s team is not allowed.</source>
        <translation>不允许对病例团队做此更改。</translation>
    </message>
    <message>
        <source>Every team member must acknowledge the design change before it can be confirmed.</source>
        <translation>设计变更须经每位团队成员确认知悉后，才能进行确认。</translation>
    </message>
    <message>
        <source>The design change cannot be recorded: a reason is needed, and the design must differ.</source>
        <translation>无法记录设计变更：需要填写变更原因，且新设计须与原设计不同。</translation>
    </message>
    <message>
        <source>The design input cannot be accepted: an entry is wrong or missing.</source>
        <translation>设计输入无法接受：有填写错误或缺项。</translation>
    </message>
    <message>
        <source>The case&apos;s current revision has no valid signature yet.</source>
        <translation>病例的当前修订版尚无有效签名。</translation>
    </message>
    <message>
        <source>This step must name the person doing it: sign in first.</source>
        <translation>此步骤必须记录操作人：请先登录。</translation>
    </message>
    <message>
        <source>The user cannot be added: check the user id, role, name and password length.</source>
        <translation>无法添加该用户：请检查用户名、角色、姓名和密码长度。</translation>
    </message>
    <message>
        <source>A user with this id exists already (ids are never reused).</source>
        <translation>已存在此用户名的用户（用户名不可重复使用）。</translation>
    </message>
    <message>
        <source>This user&apos;s signing key on this workstation is missing or does not match: ask an administrator.</source>
        <translation>该用户在本工作站上的签名密钥缺失或不匹配：请联系管理员。</translation>
    </message>
    <message>
        <source>A case with this code exists already: open it, or choose another code.</source>
        <translation>已存在此编号的病例：请打开该病例，或另选编号。</translation>
    </message>
    <message>
        <source>No case with this code in this store.</source>
        <translation>本数据库中没有此编号的病例。</translation>
    </message>
    <message>
        <source>The store cannot be opened, or it was written by a newer DVW: check the store folder in Settings.</source>
        <translation>无法打开数据库，或数据库由更新版本的 DVW 写入：请在“设置”中检查数据库文件夹。</translation>
    </message>
    <message>
        <source>The records refused this step.</source>
        <translation>记录系统拒绝了此步骤。</translation>
    </message>
    <message>
        <source>A file the records name is missing from the store.</source>
        <translation>记录中登记的某个文件已不在数据库中。</translation>
    </message>
    <message>
        <source>A file in the store no longer matches its recorded fingerprint: it was changed outside DVW.</source>
        <translation>数据库中的某个文件与其登记的指纹不再一致：该文件曾在 DVW 之外被修改。</translation>
    </message>
    <message>
        <source>The output file exists already and was not overwritten.</source>
        <translation>输出文件已存在，未被覆盖。</translation>
    </message>
    <message>
        <source>A record is malformed and was refused.</source>
        <translation>某条记录格式错误，已被拒绝。</translation>
    </message>
    <message>
        <source>A record conflicts with one the store already holds; nothing was written.</source>
        <translation>某条记录与数据库中已有记录冲突；未写入任何内容。</translation>
    </message>
    <message>
        <source>A record received from another site does not match its own fingerprint.</source>
        <translation>从其他站点收到的某条记录与其自身指纹不符。</translation>
    </message>
    <message>
        <source>Records from another site arrived out of order; sync again.</source>
        <translation>其他站点的记录到达顺序不对；请再次同步。</translation>
    </message>
    <message>
        <source>A record would carry the patient&apos;s identity out of this site; nothing was written.</source>
        <translation>某条记录会把患者身份信息带出本站点；未写入任何内容。</translation>
    </message>
    <message>
        <source>The records to import do not hold; nothing was imported.</source>
        <translation>待导入的记录未通过校验；未导入任何内容。</translation>
    </message>
    <message>
        <source>The bundle file cannot be used.</source>
        <translation>无法使用该数据包文件。</translation>
    </message>
    <message>
        <source>The bundle&apos;s content does not match itself; nothing was imported.</source>
        <translation>数据包内容前后不一致；未导入任何内容。</translation>
    </message>
    <message>
        <source>The bundle&apos;s signature does not verify; nothing was imported.</source>
        <translation>数据包的签名验证未通过；未导入任何内容。</translation>
    </message>
    <message>
        <source>The images cannot be used.</source>
        <translation>无法使用这些影像。</translation>
    </message>
    <message>
        <source>The path is not a folder that can be read.</source>
        <translation>该路径不是可读取的文件夹。</translation>
    </message>
    <message>
        <source>The folder holds no image series DVW can use.</source>
        <translation>该文件夹中没有 DVW 可用的影像序列。</translation>
    </message>
    <message>
        <source>The chosen series is not in the folder any more: scan it again.</source>
        <translation>所选序列已不在该文件夹中：请重新扫描。</translation>
    </message>
    <message>
        <source>The folder holds several series: choose one in the table.</source>
        <translation>该文件夹中有多个序列：请在表格中选择一个。</translation>
    </message>
    <message>
        <source>Slices are missing from the series.</source>
        <translation>该序列缺少层面。</translation>
    </message>
    <message>
        <source>The series cannot be assembled into a volume (a localizer, a single slice or mixed stacks).</source>
        <translation>该序列无法组成体数据（定位像、单层图像或混合层叠）。</translation>
    </message>
    <message>
        <source>An image&apos;s pixel data cannot be decoded (truncated or corrupt).</source>
        <translation>某幅影像的像素数据无法解码（截断或损坏）。</translation>
    </message>
    <message>
        <source>An image has text burned into its pixels, which de-identification cannot remove.</source>
        <translation>某幅影像的像素中嵌有文字，去标识化无法去除。</translation>
    </message>
    <message>
        <source>The series&apos; geometry needs a correction that the import settings do not allow.</source>
        <translation>该序列的几何信息需要校正，而当前导入设置不允许校正。</translation>
    </message>
    <message>
        <source>The volume does not fit in this computer&apos;s memory.</source>
        <translation>该体数据超出本计算机的内存。</translation>
    </message>
    <message>
        <source>A volume or mask file cannot be read or written.</source>
        <translation>无法读取或写入体数据或掩膜文件。</translation>
    </message>
    <message>
        <source>An image cannot be de-identified.</source>
        <translation>某幅影像无法去标识化。</translation>
    </message>
    <message>
        <source>A de-identified file cannot be written.</source>
        <translation>无法写入去标识化后的文件。</translation>
    </message>
    <message>
        <source>A data file DVW ships with is damaged: reinstall DVW.</source>
        <translation>DVW 自带的数据文件已损坏：请重新安装 DVW。</translation>
    </message>
    <message>
        <source>The mask does not fit the volume.</source>
        <translation>掩膜与体数据不匹配。</translation>
    </message>
    <message>
        <source>The seed point is outside the volume or outside the thresholded region.</source>
        <translation>种子点在体数据之外，或不在阈值分割区域内。</translation>
    </message>
    <message>
        <source>The segmentation settings do not fit together (e.g. lower above upper).</source>
        <translation>分割设置相互矛盾（例如下限高于上限）。</translation>
    </message>
    <message>
        <source>There is no threshold preset of that name.</source>
        <translation>没有该名称的阈值预设。</translation>
    </message>
    <message>
        <source>The edit does not fit the mask.</source>
        <translation>该编辑与掩膜不匹配。</translation>
    </message>
    <message>
        <source>The surface cannot be made or used.</source>
        <translation>无法生成或使用该表面。</translation>
    </message>
    <message>
        <source>The surface is empty: nothing in the volume reaches the threshold.</source>
        <translation>表面为空：体数据中没有达到阈值的部分。</translation>
    </message>
    <message>
        <source>The mesh file cannot be used: missing, not a mesh, or of a format DVW does not read.</source>
        <translation>无法使用该网格文件：文件缺失、不是网格，或格式 DVW 不能读取。</translation>
    </message>
    <message>
        <source>The surface computation failed on this input.</source>
        <translation>对此输入的表面计算失败。</translation>
    </message>
    <message>
        <source>The check cannot be made.</source>
        <translation>无法进行检查。</translation>
    </message>
    <message>
        <source>The design envelope file is not valid (a wrong entry, an unknown parameter or a wrong unit).</source>
        <translation>设计包络文件无效（条目错误、未知参数或单位错误）。</translation>
    </message>
    <message>
        <source>A unit is unknown, or two units cannot be compared.</source>
        <translation>单位未知，或两个单位无法比较。</translation>
    </message>
    <message>
        <source>The measurement cannot be made from these points.</source>
        <translation>无法用这些点进行测量。</translation>
    </message>
    <message>
        <source>An input of the measurement cannot be used.</source>
        <translation>测量的某项输入无法使用。</translation>
    </message>
    <message>
        <source>The device family&apos;s settings are missing or not valid.</source>
        <translation>器械系列的设置缺失或无效。</translation>
    </message>
    <message>
        <source>The design cannot be analysed mechanically: it is not a closed, manifold surface.</source>
        <translation>无法对该设计进行力学分析：它不是封闭的流形表面。</translation>
    </message>
    <message>
        <source>The load-case file is not valid.</source>
        <translation>载荷工况文件无效。</translation>
    </message>
    <message>
        <source>The mechanical analysis cannot be made.</source>
        <translation>无法进行力学分析。</translation>
    </message>
    <message>
        <source>The traceability step cannot be recorded.</source>
        <translation>无法记录该追溯步骤。</translation>
    </message>
    <message>
        <source>This production step is out of order.</source>
        <translation>该生产步骤顺序不对。</translation>
    </message>
    <message>
        <source>The device has no identifier (UDI) yet.</source>
        <translation>该器械尚无唯一标识（UDI）。</translation>
    </message>
    <message>
        <source>This serial number belongs to another device.</source>
        <translation>该序列号已属于另一件器械。</translation>
    </message>
    <message>
        <source>A GS1 value (a serial, lot or date of the UDI) is not valid.</source>
        <translation>某个 GS1 值（UDI 的序列号、批号或日期）无效。</translation>
    </message>
    <message>
        <source>The GTIN or GLN is not valid (length, digits or check digit).</source>
        <translation>GTIN 或 GLN 无效（长度、数字或校验位错误）。</translation>
    </message>
    <message>
        <source>The device failed its inspection: it is nonconforming and can never be released.</source>
        <translation>该器械检验未通过：属于不合格品，永远不能放行。</translation>
    </message>
    <message>
        <source>The device needs a passing inspection first.</source>
        <translation>该器械需要先通过检验。</translation>
    </message>
    <message>
        <source>The inspection cannot be made: the case needs its design, and the tolerance must be known.</source>
        <translation>无法进行检验：病例需要有设计，且公差必须已知。</translation>
    </message>
    <message>
        <source>The build record cannot be accepted (a wrong entry, an unknown operator or an expired calibration).</source>
        <translation>打印记录无法接受（条目错误、操作员未知或设备校准已过期）。</translation>
    </message>
    <message>
        <source>Sync failed.</source>
        <translation>同步失败。</translation>
    </message>
    <message>
        <source>The sync server cannot be reached: try again later.</source>
        <translation>无法连接同步服务器：请稍后再试。</translation>
    </message>
    <message>
        <source>The sync server refused this workstation&apos;s credentials (check this computer&apos;s clock).</source>
        <translation>同步服务器拒绝了本工作站的凭据（请检查本机时钟）。</translation>
    </message>
    <message>
        <source>The sync server refused the data; nothing was changed here.</source>
        <translation>同步服务器拒绝了这些数据；本机未做任何更改。</translation>
    </message>
    <message>
        <source>This workstation has not joined a sync server: File &gt; Join sync server...</source>
        <translation>本工作站尚未加入同步服务器：文件 &gt; 加入同步服务器……</translation>
    </message>
    <message>
        <source>Joining the sync server was refused (a used or unknown code).</source>
        <translation>加入同步服务器被拒绝（注册码已用过或未知）。</translation>
    </message>
    <message>
        <source>Records came from a site this store does not trust.</source>
        <translation>收到的记录来自本数据库不信任的站点。</translation>
    </message>
    <message>
        <source>The sync server&apos;s database cannot be opened.</source>
        <translation>无法打开同步服务器的数据库。</translation>
    </message>
    <message>
        <source>The sync server refused a record: its author may not write it there.</source>
        <translation>同步服务器拒绝了一条记录：其作者无权在该处写入。</translation>
    </message>
    <message>
        <source>The sync server refused a signature by a user of another site.</source>
        <translation>同步服务器拒绝了一个由其他站点用户做出的签名。</translation>
    </message>
    <message>
        <source>The sync server refused a repeated request: sync again.</source>
        <translation>同步服务器拒绝了重复的请求：请再次同步。</translation>
    </message>
    <message>
        <source>An upload to the sync server was interrupted: sync again to resume it.</source>
        <translation>向同步服务器的上传中断了：请再次同步以继续。</translation>
    </message>
    <message>
        <source>The sync server refused a malformed request.</source>
        <translation>同步服务器拒绝了格式错误的请求。</translation>
    </message>
    <message>
        <source>The sync server refused a request without its length.</source>
        <translation>同步服务器拒绝了未注明长度的请求。</translation>
    </message>
    <message>
        <source>The server&apos;s metrics need its token.</source>
        <translation>服务器的运行指标需要其令牌。</translation>
    </message>
    <message>
        <source>The server&apos;s metrics are switched off.</source>
        <translation>服务器的运行指标已关闭。</translation>
    </message>
    <message>
        <source>Refused or failed.</source>
        <translation>已拒绝或失败。</translation>
    </message>
    <message>
        <source>DICOM images</source>
        <translation>DICOM 影像</translation>
    </message>
    <message>
        <source>volume</source>
        <translation>体数据</translation>
    </message>
    <message>
        <source>segmentation mask</source>
        <translation>分割掩膜</translation>
    </message>
    <message>
        <source>anatomy mesh</source>
        <translation>解剖模型</translation>
    </message>
    <message>
        <source>design</source>
        <translation>设计</translation>
    </message>
    <message>
        <source>design envelope</source>
        <translation>设计包络</translation>
    </message>
    <message>
        <source>measured parameters</source>
        <translation>测量参数</translation>
    </message>
    <message>
        <source>patient facts</source>
        <translation>患者信息</translation>
    </message>
    <message>
        <source>load cases</source>
        <translation>载荷工况</translation>
    </message>
    <message>
        <source>Within</source>
        <extracomment>Traffic-light colours (background, text) for parameter statuses and verdicts; the text always says it too.</extracomment>
        <translation>范围内</translation>
    </message>
    <message>
        <source>Near limit</source>
        <translation>接近限值</translation>
    </message>
    <message>
        <source>Below minimum</source>
        <translation>低于下限</translation>
    </message>
    <message>
        <source>Above maximum</source>
        <translation>高于上限</translation>
    </message>
    <message>
        <source>Missing</source>
        <translation>缺失</translation>
    </message>
    <message>
        <source>Satisfied</source>
        <translation>满足</translation>
    </message>
    <message>
        <source>Violated</source>
        <translation>不满足</translation>
    </message>
    <message>
        <source>WITHIN THE VALIDATED ENVELOPE</source>
        <translation>在已验证的设计包络范围内</translation>
    </message>
    <message>
        <source>OUT OF ENVELOPE: re-verification required before sign-off</source>
        <translation>超出设计包络：签署前必须进行再验证</translation>
    </message>
    <message>
        <source>INDETERMINATE: a required value is missing; re-verification required</source>
        <translation>无法判定：缺少必需数值；必须进行再验证</translation>
    </message>
    <message>
        <source>WITHIN THE VALIDATED ENVELOPE: signed</source>
        <translation>在已验证的设计包络范围内：已签署</translation>
    </message>
    <message>
        <source>OUT OF ENVELOPE: re-verified; ready for sign-off</source>
        <translation>超出设计包络：已再验证，可以签署</translation>
    </message>
    <message>
        <source>OUT OF ENVELOPE: re-verified and signed</source>
        <translation>超出设计包络：已再验证并已签署</translation>
    </message>
    <message>
        <source>OUT OF ENVELOPE: re-verification failed; not to be signed</source>
        <translation>超出设计包络：再验证未通过，不得签署</translation>
    </message>
    <message>
        <source>INDETERMINATE: a required value is missing; re-verified, ready for sign-off</source>
        <translation>无法判定：缺少必需数值；已再验证，可以签署</translation>
    </message>
    <message>
        <source>INDETERMINATE: a required value is missing; re-verified and signed</source>
        <translation>无法判定：缺少必需数值；已再验证并已签署</translation>
    </message>
    <message>
        <source>INDETERMINATE: a required value is missing; re-verification failed, not to be signed</source>
        <translation>无法判定：缺少必需数值；再验证未通过，不得签署</translation>
    </message>
    <message>
        <source>No check yet</source>
        <translation>尚未核查</translation>
    </message>
    <message>
        <source>within envelope</source>
        <translation>设计包络范围内</translation>
    </message>
    <message>
        <source>out of envelope</source>
        <translation>超出设计包络</translation>
    </message>
    <message>
        <source>indeterminate</source>
        <translation>无法判定</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>进行中</translation>
    </message>
    <message>
        <source>Checked</source>
        <translation>已核查</translation>
    </message>
    <message>
        <source>Needs re-verification</source>
        <translation>需要再验证</translation>
    </message>
    <message>
        <source>Re-verified</source>
        <translation>已再验证</translation>
    </message>
    <message>
        <source>Re-verification failed</source>
        <translation>再验证未通过</translation>
    </message>
    <message>
        <source>Signed</source>
        <translation>已签署</translation>
    </message>
    <message>
        <source>No case open</source>
        <translation>未打开病例</translation>
    </message>
    <message>
        <source>The password is wrong.</source>
        <extracomment>Refusals whose :func:`error_title` says what to do in the window: their core message (worded for the command line, e.g. &quot;run dvw selftest&quot;) is only shown as details.</extracomment>
        <translation>密码错误。</translation>
    </message>
    <message>
        <source>The case needs a passed re-verification before signing: press Record re-verification... in the Review step.</source>
        <translation>签署前该病例须有通过的再验证：请在“评审”步骤中点击“记录再验证…”。</translation>
    </message>
    <message>
        <source>This software has not passed its self-test here, or the check was made by other software: press Run self-test in the Review step, or run the check again.</source>
        <translation>本软件尚未在此通过自检，或核查由其他软件完成：请在“评审”步骤中点击“运行自检”，或重新运行核查。</translation>
    </message>
    <message>
        <source>No valid check: run the check in step 4, Design &amp; Check, before signing.</source>
        <translation>没有有效的核查：签署前请在第 4 步“设计与核查”中运行核查。</translation>
    </message>
    <message>
        <source>This user&apos;s role may not do this: choose a signer whose role may.</source>
        <translation>该用户的角色无权执行此操作：请选择有权限的签署人。</translation>
    </message>
    <message>
        <source>An input changed since the check: run the check again in step 4, Design &amp; Check.</source>
        <translation>自核查以来有输入发生变更：请在第 4 步“设计与核查”中重新运行核查。</translation>
    </message>
    <message>
        <source>Two sites changed this case while offline: a person must choose which revision to keep before signing.</source>
        <translation>两个站点在离线时修改了该病例：签署前须由专人决定保留哪个修订版。</translation>
    </message>
    <message>
        <source>This user is disabled.</source>
        <translation>该用户已被停用。</translation>
    </message>
    <message>
        <source>No such user.</source>
        <translation>没有该用户。</translation>
    </message>
    <message>
        <source>The account is locked after too many wrong passwords; wait, or ask an administrator.</source>
        <translation>因多次输错密码，账户已被锁定；请稍候，或联系管理员。</translation>
    </message>
    <message>
        <source>Nobody is signed in: sign in first.</source>
        <translation>尚无用户登录：请先登录。</translation>
    </message>
    <message>
        <source>Cancelled; nothing was changed.</source>
        <translation>已取消；未作任何更改。</translation>
    </message>
    <message>
        <source>Internal error (a bug); details were written to a log file.</source>
        <translation>内部错误（软件缺陷）；详细信息已写入日志文件。</translation>
    </message>
    <message>
        <source>Refused or failed:</source>
        <translation>被拒绝或失败：</translation>
    </message>
    <message>
        <source>Engineer</source>
        <translation>工程师</translation>
    </message>
    <message>
        <source>Clinician</source>
        <translation>临床医生</translation>
    </message>
    <message>
        <source>Quality</source>
        <translation>质量人员</translation>
    </message>
    <message>
        <source>Administrator</source>
        <translation>管理员</translation>
    </message>
    <message>
        <source>design verification</source>
        <translation>设计验证</translation>
    </message>
    <message>
        <source>clinical design confirmation</source>
        <translation>临床设计确认</translation>
    </message>
    <message>
        <source>re-verification approved</source>
        <translation>再验证批准</translation>
    </message>
    <message>
        <source>release</source>
        <translation>放行</translation>
    </message>
    <message>
        <source>passed</source>
        <translation>通过</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>未通过</translation>
    </message>
    <message>
        <source>The account %1 is locked after too many wrong passwords; try again in %2 minutes.</source>
        <translation>因多次输错密码，账户 %1 已被锁定；请在 %2 分钟后重试。</translation>
    </message>
    <message>
        <source>The account %1 is locked after too many wrong passwords, until %2. Wait until then, or ask an administrator to unlock it.</source>
        <translation>因多次输错密码，账户 %1 已被锁定，直至 %2。请等到那时再试，或请管理员解锁。</translation>
    </message>
    <message>
        <source>Wrong password for %1. %2 wrong passwords within %3 minutes lock the account for %3 minutes.</source>
        <translation>%1 的密码错误。%3 分钟内输错 %2 次密码，账户将被锁定 %3 分钟。</translation>
    </message>
    <message>
        <source>The user %1 is disabled and may not sign in.</source>
        <translation>用户 %1 已被停用，不能登录。</translation>
    </message>
    <message>
        <source>There is no user %1 on this workstation.</source>
        <translation>本工作站上没有用户 %1。</translation>
    </message>
    <message>
        <source>The credentials of %1 are not on this workstation: users sign in where they were added.</source>
        <translation>本工作站上没有 %1 的凭据：用户只能在添加其账户的工作站上登录。</translation>
    </message>
    <message>
        <source>Could not sign in: %1</source>
        <translation>无法登录：%1</translation>
    </message>
    <message>
        <source>error</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>warning</source>
        <translation>警告</translation>
    </message>
    <message>
        <source>info</source>
        <translation>信息</translation>
    </message>
    <message>
        <source>years</source>
        <translation>岁</translation>
    </message>
    <message>
        <source>°</source>
        <translation>度</translation>
    </message>
    <message>
        <source>no device</source>
        <translation>无器械</translation>
    </message>
    <message>
        <source>UDI assigned</source>
        <translation>已分配 UDI</translation>
    </message>
    <message>
        <source>built</source>
        <translation>已制造</translation>
    </message>
    <message>
        <source>inspected</source>
        <translation>已检验合格</translation>
    </message>
    <message>
        <source>released</source>
        <translation>已放行</translation>
    </message>
    <message>
        <source>NONCONFORMING</source>
        <translation>不合格品</translation>
    </message>
    <message>
        <source>Whole part</source>
        <translation>整体</translation>
    </message>
    <message>
        <source>Bone-facing (bearing)</source>
        <translation>骨接触面（承载）</translation>
    </message>
    <message>
        <source>Rest</source>
        <translation>其余部分</translation>
    </message>
    <message>
        <source>The current revision has no UDI yet: no device was made</source>
        <translation>当前修订版尚无 UDI：尚未制造器械</translation>
    </message>
    <message>
        <source>The device has its UDI; no build record or manufactured step yet</source>
        <translation>器械已分配 UDI；尚无制造记录或“已制造”追溯步骤</translation>
    </message>
    <message>
        <source>Built (a build record or the manufactured step); no passing inspection yet</source>
        <translation>已制造（有制造记录或“已制造”追溯步骤）；尚无合格的检验</translation>
    </message>
    <message>
        <source>Passed its final inspection (conforming); not released yet</source>
        <translation>最终检验合格（符合要求）；尚未放行</translation>
    </message>
    <message>
        <source>Released by quality, or further along its trace</source>
        <translation>已由质量部门放行，或已进入后续追溯步骤</translation>
    </message>
    <message>
        <source>Failed its final inspection: nonconforming, never inspected again or released; make a new device</source>
        <translation>最终检验不合格：判定为不合格品，不再检验，也不得放行；须重新制造器械</translation>
    </message>
</context>
<context>
    <name>StressMapAction</name>
    <message>
        <source>Stress map</source>
        <translation>应力云图</translation>
    </message>
    <message>
        <source>Colour the design by the von Mises stress of the check's analysis; the peak is marked (Shift+S)</source>
        <translation>按本次检查的有限元分析结果，以等效应力（冯·米塞斯应力）为设计着色，并标出应力峰值（Shift+S）</translation>
    </message>
    <message>
        <source>Peak stress %1 MPa</source>
        <translation>峰值应力 %1 MPa</translation>
    </message>
</context>
<context>
    <name>DesignInputDialog</name>
    <message>
        <source>Design input of case %1</source>
        <translation>病例 %1 的设计输入</translation>
    </message>
    <message>
        <source>Indication:</source>
        <translation>适应证：</translation>
    </message>
    <message>
        <source>Surgical plan:</source>
        <translation>手术方案：</translation>
    </message>
    <message>
        <source>Material requirement:</source>
        <translation>材料要求：</translation>
    </message>
    <message>
        <source>Structural requirements:</source>
        <translation>结构要求：</translation>
    </message>
    <message>
        <source>Dimensional requirements:</source>
        <translation>尺寸要求：</translation>
    </message>
    <message>
        <source>Packaging:</source>
        <translation>包装：</translation>
    </message>
    <message>
        <source>Sterilization:</source>
        <translation>灭菌方式：</translation>
    </message>
    <message>
        <source>Supply method:</source>
        <translation>供货方式：</translation>
    </message>
    <message>
        <source>One instrument a line; may be empty</source>
        <translation>每行一件器械；可留空</translation>
    </message>
    <message>
        <source>Matching instruments:</source>
        <translation>配套器械：</translation>
    </message>
    <message>
        <source>The delivery date the clinician sets</source>
        <translation>由临床医生确定的交付日期</translation>
    </message>
    <message>
        <source>Delivery deadline:</source>
        <translation>交付期限：</translation>
    </message>
    <message>
        <source>Informed consent</source>
        <translation>知情同意</translation>
    </message>
    <message>
        <source>Consent given</source>
        <translation>已签署知情同意</translation>
    </message>
    <message>
        <source>Date:</source>
        <translation>日期：</translation>
    </message>
    <message>
        <source>No document chosen</source>
        <translation>未选择文件</translation>
    </message>
    <message>
        <source>Choose...</source>
        <translation>选择…</translation>
    </message>
    <message>
        <source>The signed consent form: kept on this site only, named by its SHA-256, never synced</source>
        <translation>已签署的知情同意书：仅保存在本机构，以其 SHA-256 命名，从不同步</translation>
    </message>
    <message>
        <source>Document:</source>
        <translation>文件：</translation>
    </message>
    <message>
        <source>Add...</source>
        <translation>添加…</translation>
    </message>
    <message>
        <source>Attach a file to the surgical plan (stored by its SHA-256)</source>
        <translation>为手术方案附加文件（以其 SHA-256 保存）</translation>
    </message>
    <message>
        <source>Remove</source>
        <translation>移除</translation>
    </message>
    <message>
        <source>Remove the selected attachment</source>
        <translation>移除所选附件</translation>
    </message>
    <message>
        <source>Attachments:</source>
        <translation>附件：</translation>
    </message>
    <message>
        <source>Load from file...</source>
        <translation>从文件载入…</translation>
    </message>
    <message>
        <source>Fill the form from a design-input file (TOML or JSON, as dvw case input)</source>
        <translation>从设计输入文件填写表单（TOML 或 JSON，与 dvw case input 相同）</translation>
    </message>
    <message>
        <source>Save</source>
        <translation>保存</translation>
    </message>
    <message>
        <source>Check the form and record it as the case's design input, as you</source>
        <translation>检查表单，并以您的身份将其记录为本病例的设计输入</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Close; what is not saved is not kept</source>
        <translation>关闭；未保存的内容不会保留</translation>
    </message>
    <message>
        <source>Choose the signed consent form</source>
        <translation>选择已签署的知情同意书</translation>
    </message>
    <message>
        <source>Attach a file</source>
        <translation>附加文件</translation>
    </message>
    <message>
        <source>No design input is recorded for this case yet.</source>
        <translation>本病例尚未记录设计输入。</translation>
    </message>
    <message>
        <source>Recorded by %1 at %2 (SHA-256 %3).</source>
        <translation>由 %1 于 %2 记录（SHA-256 %3）。</translation>
    </message>
    <message>
        <source>Kept on this site (SHA-256 %1...)</source>
        <translation>保存在本机构（SHA-256 %1…）</translation>
    </message>
    <message>
        <source>Load a design input</source>
        <translation>载入设计输入</translation>
    </message>
    <message>
        <source>Design input (*.toml *.json)</source>
        <translation>设计输入 (*.toml *.json)</translation>
    </message>
    <message>
        <source>Loaded from %1: check it, then Save.</source>
        <translation>已从 %1 载入：请核对后保存。</translation>
    </message>
    <message>
        <source>Not saved: correct the fields marked in red.</source>
        <translation>未保存：请更正标红的字段。</translation>
    </message>
    <message>
        <source>Design input recorded (SHA-256 %1...).</source>
        <translation>设计输入已记录（SHA-256 %1…）。</translation>
    </message>
    <message>
        <source>Required: enter it.</source>
        <translation>必填：请填写。</translation>
    </message>
    <message>
        <source>Consent is given: choose the signed consent form.</source>
        <translation>已签署知情同意：请选择已签署的知情同意书。</translation>
    </message>
    <message>
        <source>No such file: %1</source>
        <translation>文件不存在：%1</translation>
    </message>
</context>
<context>
    <name>TeamDialog</name>
    <message>
        <source>prescribing clinician</source>
        <translation>处方医生</translation>
    </message>
    <message>
        <source>design engineer</source>
        <translation>设计工程师</translation>
    </message>
    <message>
        <source>reviewer</source>
        <translation>审核人</translation>
    </message>
    <message>
        <source>quality</source>
        <translation>质量人员</translation>
    </message>
    <message>
        <source>Team of case %1</source>
        <translation>病例 %1 的团队</translation>
    </message>
    <message>
        <source>User</source>
        <translation>用户</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Role on the case</source>
        <translation>在本病例中的角色</translation>
    </message>
    <message>
        <source>A user of this workstation</source>
        <translation>本工作站的用户</translation>
    </message>
    <message>
        <source>Their role on this case</source>
        <translation>其在本病例中的角色</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>添加</translation>
    </message>
    <message>
        <source>Add the user to the team with this role (recorded as you)</source>
        <translation>以此角色将该用户加入团队（以您的身份记录）</translation>
    </message>
    <message>
        <source>Remove selected</source>
        <translation>移除所选成员</translation>
    </message>
    <message>
        <source>Remove the selected member from the team (recorded as you)</source>
        <translation>将所选成员移出团队（以您的身份记录）</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Close the team</source>
        <translation>关闭团队窗口</translation>
    </message>
    <message>
        <source>Only the team's members act on the case.</source>
        <translation>只有团队成员可以处理本病例。</translation>
    </message>
    <message>
        <source>No team yet: every user may act on the case until the first member is added.</source>
        <translation>尚未组建团队：在加入第一位成员之前，所有用户均可处理本病例。</translation>
    </message>
    <message>
        <source>Team changed.</source>
        <translation>团队已更改。</translation>
    </message>
    <message>
        <source>New member:</source>
        <translation>新成员：</translation>
    </message>
</context>
<context>
    <name>ProposalDialog</name>
    <message>
        <source>Design proposal of case %1</source>
        <translation>病例 %1 的设计方案</translation>
    </message>
    <message>
        <source>Issue proposal</source>
        <translation>出具设计方案</translation>
    </message>
    <message>
        <source>Build the proposal of the current check (renderings, input, check, software) and record it</source>
        <translation>根据当前核查生成设计方案（渲染图、设计输入、核查、软件）并记录</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Close the proposal</source>
        <translation>关闭设计方案</translation>
    </message>
    <message>
        <source>Reading the proposal...</source>
        <translation>正在读取设计方案…</translation>
    </message>
    <message>
        <source>No design proposal is issued for revision %1 yet.</source>
        <translation>修订版 %1 尚未出具设计方案。</translation>
    </message>
    <message>
        <source>Revision %1, SHA-256 %2: a clinical design confirmation signs exactly this record.</source>
        <translation>修订版 %1，SHA-256 %2：临床设计确认签署的正是这份记录。</translation>
    </message>
    <message>
        <source>Anterior view</source>
        <translation>前视图</translation>
    </message>
    <message>
        <source>Left lateral view</source>
        <translation>左侧视图</translation>
    </message>
    <message>
        <source>Right lateral view</source>
        <translation>右侧视图</translation>
    </message>
    <message>
        <source>Superior view</source>
        <translation>上视图</translation>
    </message>
    <message>
        <source>Facing the device</source>
        <translation>正对器械</translation>
    </message>
    <message>
        <source>Design proposal</source>
        <translation>设计方案</translation>
    </message>
    <message>
        <source>Revision</source>
        <translation>修订版</translation>
    </message>
    <message>
        <source>Renderings of the design on the anatomy</source>
        <translation>设计在解剖结构上的渲染图</translation>
    </message>
    <message>
        <source>Indication</source>
        <translation>适应证</translation>
    </message>
    <message>
        <source>Surgical plan</source>
        <translation>手术方案</translation>
    </message>
    <message>
        <source>Matching instruments</source>
        <translation>配套器械</translation>
    </message>
    <message>
        <source>Material</source>
        <translation>材料</translation>
    </message>
    <message>
        <source>Structure</source>
        <translation>结构</translation>
    </message>
    <message>
        <source>Dimensions</source>
        <translation>尺寸</translation>
    </message>
    <message>
        <source>Packaging</source>
        <translation>包装</translation>
    </message>
    <message>
        <source>Sterilization</source>
        <translation>灭菌方式</translation>
    </message>
    <message>
        <source>Supply method</source>
        <translation>供货方式</translation>
    </message>
    <message>
        <source>Delivery deadline</source>
        <translation>交付期限</translation>
    </message>
    <message>
        <source>Informed consent</source>
        <translation>知情同意</translation>
    </message>
    <message>
        <source>no</source>
        <translation>否</translation>
    </message>
    <message>
        <source>Surgical solution and requirements</source>
        <translation>手术方案与要求</translation>
    </message>
    <message>
        <source>Envelope check</source>
        <translation>设计包络核查</translation>
    </message>
    <message>
        <source>Verdict</source>
        <translation>结论</translation>
    </message>
    <message>
        <source>Envelope</source>
        <translation>设计包络</translation>
    </message>
    <message>
        <source>Parameter</source>
        <translation>参数</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>数值</translation>
    </message>
    <message>
        <source>Unit</source>
        <translation>单位</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>Margin</source>
        <translation>裕量</translation>
    </message>
    <message>
        <source>Re-verification</source>
        <translation>再验证</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Method</source>
        <translation>方法</translation>
    </message>
    <message>
        <source>Design change</source>
        <translation>设计变更</translation>
    </message>
    <message>
        <source>Reason</source>
        <translation>原因</translation>
    </message>
    <message>
        <source>Maximum deviation (mm)</source>
        <translation>最大偏差 (mm)</translation>
    </message>
    <message>
        <source>RMS deviation (mm)</source>
        <translation>均方根偏差 (mm)</translation>
    </message>
    <message>
        <source>Area changed (mm²)</source>
        <translation>变更面积 (mm²)</translation>
    </message>
    <message>
        <source>Case team</source>
        <translation>病例团队</translation>
    </message>
    <message>
        <source>User</source>
        <translation>用户</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>姓名</translation>
    </message>
    <message>
        <source>Role on the case</source>
        <translation>在本病例中的角色</translation>
    </message>
    <message>
        <source>Software</source>
        <translation>软件</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>版本</translation>
    </message>
    <message>
        <source>Manifest</source>
        <translation>软件清单</translation>
    </message>
    <message>
        <source>Proposal issued (SHA-256 %1...).</source>
        <translation>设计方案已出具（SHA-256 %1…）。</translation>
    </message>
</context>
<context>
    <name>DesignChangeDialog</name>
    <message>
        <source>Design change of case %1</source>
        <translation>病例 %1 的设计变更</translation>
    </message>
    <message>
        <source>New revision</source>
        <translation>新修订版</translation>
    </message>
    <message>
        <source>The new design (STL, PLY, OBJ, 3MF), patient LPS mm</source>
        <translation>新设计（STL、PLY、OBJ、3MF），患者 LPS 坐标，单位 mm</translation>
    </message>
    <message>
        <source>Choose...</source>
        <translation>选择…</translation>
    </message>
    <message>
        <source>Choose the new design file</source>
        <translation>选择新设计文件</translation>
    </message>
    <message>
        <source>New design:</source>
        <translation>新设计：</translation>
    </message>
    <message>
        <source>Why the design changes (required)</source>
        <translation>设计变更的原因（必填）</translation>
    </message>
    <message>
        <source>Reason:</source>
        <translation>原因：</translation>
    </message>
    <message>
        <source>Tolerance:</source>
        <translation>容差：</translation>
    </message>
    <message>
        <source>Compare and record</source>
        <translation>比对并记录</translation>
    </message>
    <message>
        <source>Compare the new design with the current revision's and record the change with its reason</source>
        <translation>将新设计与当前修订版的设计比对，并连同原因记录本次变更</translation>
    </message>
    <message>
        <source>Current revision</source>
        <translation>当前修订版</translation>
    </message>
    <message>
        <source>Member</source>
        <translation>成员</translation>
    </message>
    <message>
        <source>Role on the case</source>
        <translation>在本病例中的角色</translation>
    </message>
    <message>
        <source>Acknowledged</source>
        <translation>已知悉</translation>
    </message>
    <message>
        <source>Acknowledge</source>
        <translation>确认知悉</translation>
    </message>
    <message>
        <source>Record that you have taken note of this design change</source>
        <translation>记录您已知悉本次设计变更</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <source>Close; a running comparison is cancelled</source>
        <translation>关闭；正在进行的比对将被取消</translation>
    </message>
    <message>
        <source>Reading the comparison...</source>
        <translation>正在读取比对结果…</translation>
    </message>
    <message>
        <source>No design change to show: the map appears once a change is recorded.</source>
        <translation>暂无设计变更：记录变更后将显示偏差色图。</translation>
    </message>
    <message>
        <source>Revision %1 against the previous design: red where material was added, blue where it was removed (scale -%2 to +%2 mm); the marker shows the largest deviation.</source>
        <translation>修订版 %1 与上一版设计的比对：红色为增加材料处，蓝色为去除材料处（色标 -%2 至 +%2 mm）；标记处为最大偏差。</translation>
    </message>
    <message>
        <source>Choose the new design</source>
        <translation>选择新设计</translation>
    </message>
    <message>
        <source>Meshes (*.stl *.ply *.obj *.3mf)</source>
        <translation>网格文件 (*.stl *.ply *.obj *.3mf)</translation>
    </message>
    <message>
        <source>Revision %1: no design change has been recorded.</source>
        <translation>修订版 %1：尚未记录设计变更。</translation>
    </message>
    <message>
        <source>yes, %1</source>
        <translation>已知悉，%1</translation>
    </message>
    <message>
        <source>not yet</source>
        <translation>尚未知悉</translation>
    </message>
    <message>
        <source>Choose the new design file.</source>
        <translation>请选择新设计文件。</translation>
    </message>
    <message>
        <source>A design change needs its reason.</source>
        <translation>设计变更必须填写原因。</translation>
    </message>
    <message>
        <source>Recorded as revision %1.</source>
        <translation>已记录为修订版 %1。</translation>
    </message>
    <message>
        <source>Acknowledged.</source>
        <translation>已确认知悉。</translation>
    </message>
    <message>
        <source>the device family's</source>
        <translation>按器械类别</translation>
    </message>
    <message>
        <source>Distances up to this count as unchanged (by default the device family's tolerance)</source>
        <translation>不超过此距离视为未变更（默认采用器械类别的容差）</translation>
    </message>
    <message>
        <source>Revision %1, changed by %2: %3&lt;br&gt;Maximum deviation %4 mm, RMS %5 mm, %6 mm² changed, %7 % of the area within %8 mm.</source>
        <translation>修订版 %1，由 %2 变更：%3&lt;br&gt;最大偏差 %4 mm，均方根偏差 %5 mm，变更面积 %6 mm²，%7 % 的面积在 %8 mm 以内。</translation>
    </message>
</context>
<context>
    <name>InspectionsDialog</name>
    <message>
        <source>Inspections of case %1</source>
        <translation>病例 %1 的检验记录</translation>
    </message>
    <message>
        <source>The final inspections recorded for this case, newest first. Open one to see its recorded figures and colour map again (read-only).</source>
        <translation>本病例已记录的最终检验，最新的在前。打开其中一项，可再次查看所记录的数值与色图（只读）。</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>日期</translation>
    </message>
    <message>
        <source>Inspector</source>
        <translation>检验员</translation>
    </message>
    <message>
        <source>Result</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Revision</source>
        <translation>修订版</translation>
    </message>
    <message>
        <source>Device</source>
        <translation>器械</translation>
    </message>
    <message>
        <source>Double-click an inspection to open it</source>
        <translation>双击某项检验即可打开</translation>
    </message>
    <message>
        <source>pass</source>
        <translation>合格</translation>
    </message>
    <message>
        <source>FAIL</source>
        <translation>不合格</translation>
    </message>
    <message>
        <source>No inspection is recorded for this case yet.</source>
        <translation>本病例尚未记录任何检验。</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>打开</translation>
    </message>
    <message>
        <source>Show the selected inspection's figures and colour map (read-only)</source>
        <translation>显示所选检验的数值与色图（只读）</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>关闭</translation>
    </message>
</context>
</TS>
